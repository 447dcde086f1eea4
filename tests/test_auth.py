"""Access control: who may pull, push and delete where, and how challenges and tokens carry it."""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regsim.model.oci.auth import (
    AuthInputError,
    Challenge,
    Scope,
    basic_credentials,
    bearer_challenge,
    format_challenge,
    parse_basic,
    parse_challenge,
    parse_scope,
    parse_scopes,
    required_action,
)
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.tokens import AccessEntry, TokenIssuer

PASSWORDS = {
    "alice": "wonderland-7f3q",
    "bob": "builder-19cz",
    "carol": "carol-secret-55x",
    "dave": "dave-pass-0k",
}
SECRET = b"test-signing-secret"

# --- The access matrix, written out by hand ------------------------------------------

USERS = {"owner": "alice", "granted": "bob", "other": "carol", "anonymous": None}
REPOSITORIES = {
    "public": "team/site",  # listed public; bob may also push
    "private": "team/app",  # listed private; bob may pull and push
    "own-namespace": "alice/tools",  # unlisted, in the owner's namespace
    "other-namespace": "dave/tools",  # unlisted, in someone else's namespace
    "library": "library/debian",  # unlisted official image
}
ACTIONS = ("pull", "push", "delete")
ALL = " ".join(ACTIONS)

# With basic or token auth: what each kind of user may do in each kind of repository.
EXPECTED_WITH_AUTH = {
    "owner": {
        "public": "pull",
        "private": "",
        "own-namespace": ALL,
        "other-namespace": "pull",
        "library": "pull",
    },
    "granted": {
        "public": "pull push",
        "private": "pull push",
        "own-namespace": "pull",
        "other-namespace": "pull",
        "library": "pull",
    },
    "other": {
        "public": "pull",
        "private": "",
        "own-namespace": "pull",
        "other-namespace": "pull",
        "library": "pull",
    },
    "anonymous": {
        "public": "pull",
        "private": "",
        "own-namespace": "pull",
        "other-namespace": "pull",
        "library": "pull",
    },
}
# Without auth, the registry lets anyone do anything.
EXPECTED_WITHOUT_AUTH = {user: {repo: ALL for repo in REPOSITORIES} for user in USERS}
EXPECTED = {
    "none": EXPECTED_WITHOUT_AUTH,
    "basic": EXPECTED_WITH_AUTH,
    "token": EXPECTED_WITH_AUTH,
}


@functools.cache
def make_users() -> UserStore:
    users = UserStore()
    for name, password in PASSWORDS.items():
        users.add(name, password)
    return users


@functools.cache
def make_policy(mode: str) -> AccessPolicy:
    return AccessPolicy(
        auth_mode=mode,
        users=make_users(),
        repositories={
            "team/site": RepositoryPolicy("public", {"bob": frozenset({"push"})}),
            "team/app": RepositoryPolicy("private", {"bob": frozenset({"pull", "push"})}),
        },
    )


@pytest.mark.parametrize("repo_kind", list(REPOSITORIES))
@pytest.mark.parametrize("user_kind", list(USERS))
def test_each_user_may_do_exactly_what_the_table_says(user_kind, repo_kind):
    """The policy grants exactly the table's row, asked one action at a time or all at once, and a
    token asked for everything permits exactly that row. This table's grants are partial (push
    without delete, push on a public repository); test_access_integration.py drives its own table
    through real clients and the request path."""
    user, repository = USERS[user_kind], REPOSITORIES[repo_kind]
    for mode in ("none", "basic", "token"):
        row = frozenset(EXPECTED[mode][user_kind][repo_kind].split())
        policy = make_policy(mode)
        assert policy.allowed(user, repository, frozenset(ACTIONS)) == row, mode
        for action in ACTIONS:
            assert (action in policy.allowed(user, repository, frozenset({action}))) is (action in row), (mode, action)
    row = frozenset(EXPECTED["token"][user_kind][repo_kind].split())
    token = TokenIssuer("registry.example", SECRET).issue(
        user, [Scope("repository", repository, frozenset(ACTIONS))], make_policy("token"), now=0.0
    )
    assert {action for action in ACTIONS if token.permits(repository, action)} == row


def test_a_star_asks_for_every_action():
    assert make_policy("basic").allowed("alice", "alice/tools", {"*"}) == {"pull", "push", "delete"}
    assert make_policy("basic").allowed("carol", "alice/tools", {"*"}) == {"pull"}


def test_listing_a_repository_in_your_own_namespace_leaves_only_its_grants():
    policy = AccessPolicy(
        "token",
        make_users(),
        {"alice/secret": RepositoryPolicy("private", {"bob": frozenset({"pull"})})},
    )
    assert policy.allowed("alice", "alice/secret", {"pull", "push"}) == frozenset()
    assert policy.allowed("bob", "alice/secret", {"pull", "push"}) == {"pull"}


def test_a_repository_listed_with_its_host_applies_to_the_plain_name():
    policy = AccessPolicy(
        "basic", make_users(), {"registry.example/team/app": RepositoryPolicy("private")}
    )
    assert policy.allowed(None, "team/app", {"pull"}) == frozenset()
    assert policy.allowed(None, "localhost:5000/alice/tools", {"push"}) == frozenset()
    assert policy.allowed("alice", "localhost:5000/alice/tools", {"push"}) == {"push"}


def test_a_policy_refuses_to_judge_an_unknown_user():
    with pytest.raises(AuthInputError, match="mallory"):
        make_policy("token").allowed("mallory", "mallory/tools", {"push"})


@pytest.mark.parametrize(
    "build, bad",
    [
        (lambda: RepositoryPolicy("secret"), "secret"),
        (lambda: RepositoryPolicy("private", {"bob": frozenset({"write"})}), "write"),
        (lambda: RepositoryPolicy("private", {None: frozenset({"push"})}), "None"),
        (lambda: AccessPolicy("oauth"), "oauth"),
        (lambda: make_policy("basic").allowed("bob", "team/app", {"fetch"}), "fetch"),
    ],
)
def test_a_policy_with_a_misspelt_word_is_rejected_by_name(build, bad):
    with pytest.raises(AuthInputError, match=bad):
        build()


# --- Scopes ---------------------------------------------------------------------------


def test_a_scope_name_may_carry_a_host_and_port():
    scope = parse_scope("repository:localhost:5000/team/app:pull,push")
    assert scope == Scope("repository", "localhost:5000/team/app", frozenset({"pull", "push"}))
    assert str(scope) == "repository:localhost:5000/team/app:pull,push"


def test_scope_actions_print_in_the_order_pull_push_delete():
    assert str(parse_scope("repository:team/app:delete,push,pull")) == (
        "repository:team/app:pull,push,delete"
    )


def test_a_challenge_scope_may_hold_several_scopes():
    assert [str(s) for s in parse_scopes("repository:a/b:pull repository:c/d:pull,push")] == [
        "repository:a/b:pull",
        "repository:c/d:pull,push",
    ]


_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_components = st.builds(
    lambda first, rest: first + "".join(sep + part for sep, part in rest),
    st.text(_ALNUM, min_size=1, max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from([".", "_", "__", "-", "--"]), st.text(_ALNUM, min_size=1, max_size=4)
        ),
        max_size=2,
    ),
)
_paths = st.lists(_components, min_size=1, max_size=4).map("/".join)
_labels = st.text(_ALNUM + "ABCXYZ", min_size=1, max_size=8)
_hosts = st.one_of(st.just("localhost"), st.lists(_labels, min_size=2, max_size=3).map(".".join))
_names = st.builds(
    lambda host, port, path: (
        path if host is None else f"{host}{'' if port is None else f':{port}'}/{path}"
    ),
    st.none() | _hosts,
    st.none() | st.integers(1, 65535),
    _paths,
)
_action_sets = st.frozensets(st.sampled_from(["pull", "push", "delete", "*"]), min_size=1)


@given(name=_names, actions=_action_sets)
def test_any_scope_prints_and_parses_back_to_itself(name, actions):
    scope = Scope("repository", name, actions)
    text = str(scope)
    assert parse_scope(text) == scope
    assert str(parse_scope(text)) == text
    assert text.startswith(f"repository:{name}:")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "repository",
        "repository:team/app",
        "repository:team/app:",
        "repository::pull",
        ":team/app:pull",
        "repository:team/app:fetch",
        "repository:team/app:pull,,push",
        "repository:Team/App:pull",
        "repository:team//app:pull",
        "Repository:team/app:pull",
    ],
)
def test_a_malformed_scope_is_rejected_naming_it(text):
    with pytest.raises(AuthInputError) as error:
        parse_scope(text)
    assert repr(text) in str(error.value)


# --- Challenges -----------------------------------------------------------------------

BEARER = (
    'Bearer realm="https://auth.example/token",service="registry.example",'
    'scope="repository:team/app:pull"'
)


def test_a_bearer_challenge_reads_exactly_like_the_registrys_header():
    challenge = Challenge(
        "Bearer",
        {
            "scope": "repository:team/app:pull",
            "service": "registry.example",
            "realm": "https://auth.example/token",
        },
    )
    assert format_challenge(challenge) == BEARER
    assert (
        format_challenge(
            bearer_challenge(
                "https://auth.example/token",
                "registry.example",
                [parse_scope("repository:team/app:pull")],
            )
        )
        == BEARER
    )
    assert parse_challenge(BEARER) == challenge


def test_a_basic_challenge_names_only_the_realm():
    assert format_challenge(Challenge("Basic", {"realm": "registry.example"})) == (
        'Basic realm="registry.example"'
    )
    assert parse_challenge('Basic realm="registry.example"').params == {"realm": "registry.example"}


def test_an_insufficient_scope_challenge_puts_the_error_last():
    challenge = bearer_challenge(
        "https://auth.example/token",
        "registry.example",
        [parse_scope("repository:team/app:pull,push")],
        error="insufficient_scope",
    )
    assert format_challenge(challenge).endswith(
        ',scope="repository:team/app:pull,push",error="insufficient_scope"'
    )


def test_a_challenge_is_read_whatever_the_spacing_and_case():
    challenge = parse_challenge(
        ' bearer Realm="https://a.example/t?x=1,2" ,  service=registry.example:5000,scope="a:b:c"'
    )
    assert challenge.scheme == "Bearer"
    assert challenge.params == {
        "realm": "https://a.example/t?x=1,2",
        "service": "registry.example:5000",
        "scope": "a:b:c",
    }


_values = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)


@given(
    scheme=st.sampled_from(["Bearer", "Basic"]),
    realm=_values,
    extra=st.dictionaries(st.sampled_from(["service", "scope", "error", "x-note"]), _values),
)
def test_any_challenge_formats_and_parses_back_to_itself(scheme, realm, extra):
    challenge = Challenge(scheme, {"realm": realm, **extra})
    assert parse_challenge(format_challenge(challenge)) == challenge


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        'Digest realm="x"',
        'Bearer realm="unterminated',
        "Bearer realm",
        'Bearer realm="a" service="b"',
        'Bearer realm="a",realm="b"',
        'Bearer service="registry.example"',
        'Bearer realm="a",',
    ],
)
def test_a_malformed_challenge_is_rejected_naming_it(header):
    with pytest.raises(AuthInputError) as error:
        parse_challenge(header)
    assert repr(header) in str(error.value)


def test_a_challenge_value_cannot_smuggle_a_new_header_line():
    with pytest.raises(AuthInputError, match="control character"):
        Challenge("Bearer", {"realm": "x\r\nSet-Cookie: a=b"})


# --- Users ----------------------------------------------------------------------------


def test_a_user_logs_in_with_the_right_password_only():
    users = make_users()
    assert users.check("alice", PASSWORDS["alice"])
    assert not users.check("alice", PASSWORDS["bob"])
    assert not users.check("alice", "")
    assert not users.check("mallory", "anything")
    assert "alice" in users and "mallory" not in users
    assert users.names() == ("alice", "bob", "carol", "dave")


def test_the_same_password_hashes_the_same_on_every_run_but_differs_between_users():
    first, second = UserStore(), UserStore()
    a1, a2 = first.add("alice", "same"), second.add("alice", "same")
    b = first.add("bob", "same")
    assert a1.password_hash == a2.password_hash
    assert a1.password_hash != b.password_hash
    assert a1.password_hash != hashlib.sha256(b"same").digest()


def _everything_reachable(root):
    """Every value reachable from root through attributes and containers."""
    seen, stack = set(), [root]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield value
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif not isinstance(value, (str, bytes, int, float, bool, type(None))):
            for cls in type(value).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(value, slot):
                        stack.append(getattr(value, slot))
            stack.extend(getattr(value, "__dict__", {}).values())


def test_a_password_is_never_kept_or_shown_by_anything():
    password = "correct-horse-battery-staple"
    users = UserStore()
    user = users.add("alice", password)
    policy = AccessPolicy("token", users, {"team/app": RepositoryPolicy("private")})
    issuer = TokenIssuer("registry.example", SECRET)
    token = issuer.issue("alice", [parse_scope("repository:alice/app:pull")], policy, now=0.0)
    for thing in (users, user, policy, issuer, token):
        for shown in (repr(thing), str(thing)):
            assert password not in shown
            assert user.password_hash.hex() not in shown
            assert repr(user.password_hash) not in shown
            assert repr(SECRET) not in shown
        for value in _everything_reachable(thing):
            if isinstance(value, str):
                assert password not in value
            if isinstance(value, bytes):
                assert password.encode() not in value


@pytest.mark.parametrize(
    "name, password, bad",
    [
        ("", "pw", "''"),
        ("Alice", "pw", "'Alice'"),
        ("al ice", "pw", "'al ice'"),
        ("al:ice", "pw", "'al:ice'"),
        ("library", "pw", "'library'"),
        ("erin", "", "'erin'"),
    ],
)
def test_a_bad_user_is_refused_naming_it(name, password, bad):
    with pytest.raises(AuthInputError) as error:
        UserStore().add(name, password)
    assert bad in str(error.value)


def test_a_user_cannot_be_added_twice_and_an_unknown_one_cannot_be_removed():
    users = UserStore()
    users.add("alice", "pw")
    with pytest.raises(AuthInputError, match="'alice' already exists"):
        users.add("alice", "other")
    with pytest.raises(AuthInputError, match="unknown user 'mallory'"):
        users.remove("mallory")
    users.remove("alice")
    assert "alice" not in users


# --- Tokens ---------------------------------------------------------------------------


def issue(user, *scopes, now=100.0, issuer=None):
    issuer = issuer or TokenIssuer("registry.example", SECRET)
    return issuer.issue(user, [parse_scope(s) for s in scopes], make_policy("token"), now)


def test_a_token_grants_what_was_asked_and_allowed_and_lists_what_was_not():
    token = issue("bob", "repository:team/app:pull,push,delete", "repository:alice/tools:push")
    assert token.access == (
        AccessEntry("repository", "team/app", ("pull", "push")),  # partial: no delete
        AccessEntry("repository", "alice/tools", ()),  # nothing, but still listed
    )
    assert token.subject == "bob"
    assert (token.issued_at, token.expires_at) == (100.0, 400.0)


def test_an_anonymous_token_can_pull_public_images_and_nothing_more():
    token = issue(None, "repository:library/debian:pull,push", "repository:team/app:pull")
    assert token.subject is None
    assert token.permits("library/debian", "pull")
    assert not token.permits("library/debian", "push")
    assert not token.permits("team/app", "pull")


def test_a_token_for_one_repository_never_opens_another():
    token = issue("alice", "repository:alice/tools:pull,push,delete")
    assert token.permits("alice/tools", "delete")
    for other in (
        "alice/tools2",
        "alice/tool",
        "alice",
        "alice/tools/sub",
        "x/alice/tools",
        "registry.example/alice/tools",
    ):
        assert not any(token.permits(other, a) for a in ("pull", "push", "delete"))


@given(first=_paths, second=_paths)
def test_no_token_opens_a_repository_it_does_not_name(first, second):
    token = TokenIssuer("r", SECRET).issue(
        None, [Scope("repository", first, frozenset({"*"}))], AccessPolicy("none"), 0.0
    )
    assert token.permits(first, "push")
    if second != first:
        assert not any(token.permits(second, a) for a in ("pull", "push", "delete"))


def test_a_token_works_until_it_expires_and_not_a_moment_after():
    issuer = TokenIssuer("registry.example", SECRET, lifetime=300.0)
    token = issue("alice", "repository:alice/tools:push", now=100.0, issuer=issuer)
    assert issuer.verify(token, now=399.9) is token
    for later in (400.0, 1000.0):
        with pytest.raises(RegistryError) as error:
            issuer.verify(token, now=later)
        assert error.value.code is ErrorCode.UNAUTHORIZED
        assert error.value.reason.startswith("token expired")


@pytest.mark.parametrize(
    "change",
    [
        {"access": (AccessEntry("repository", "team/app", ("pull", "push", "delete")),)},
        {"expires_at": 10_000.0},
        {"subject": "bob"},
        {"signature": "AAAA"},
    ],
)
def test_a_token_changed_after_signing_is_refused(change):
    issuer = TokenIssuer("registry.example", SECRET)
    forged = dataclasses.replace(
        issue("carol", "repository:team/app:pull", issuer=issuer), **change
    )
    with pytest.raises(RegistryError, match="signature") as error:
        issuer.verify(forged, now=150.0)
    assert error.value.code is ErrorCode.UNAUTHORIZED


def test_a_token_signed_by_another_server_or_for_another_registry_is_refused():
    token = issue("alice", "repository:alice/tools:pull")
    with pytest.raises(RegistryError, match="signature"):
        TokenIssuer("registry.example", b"another-secret").verify(token, now=150.0)
    foreign = issue(
        "alice", "repository:alice/tools:pull", issuer=TokenIssuer("other.example", SECRET)
    )
    with pytest.raises(RegistryError, match="other.example"):
        TokenIssuer("registry.example", SECRET).verify(foreign, now=150.0)


def test_the_same_request_at_the_same_time_gives_the_same_token_text():
    first = issue("bob", "repository:team/app:pull").encoded()
    second = issue("bob", "repository:team/app:pull").encoded()
    assert first == second
    assert first != issue("bob", "repository:team/app:pull", now=101.0).encoded()


def _b64(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unb64(text: str):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def test_a_token_is_a_real_hs256_jwt_anyone_with_the_secret_can_check():
    text = issue("bob", "repository:team/app:pull,push").encoded()
    header, claims, signature = text.split(".")
    assert _unb64(header) == {"alg": "HS256", "typ": "JWT"}
    assert _unb64(claims) == {
        "sub": "bob",
        "aud": "registry.example",
        "iat": 100.0,
        "exp": 400.0,
        "access": [{"type": "repository", "name": "team/app", "actions": ["pull", "push"]}],
    }
    expected = hmac.new(SECRET, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()


def test_a_token_decodes_back_to_itself():
    issuer = TokenIssuer("registry.example", SECRET)
    token = issue("bob", "repository:team/app:pull", "repository:team/site:push", issuer=issuer)
    assert issuer.decode(token.encoded()) == token


def test_a_token_whose_claims_were_rewritten_is_refused():
    issuer = TokenIssuer("registry.example", SECRET)
    header, claims, signature = (
        issue("carol", "repository:team/app:pull", issuer=issuer).encoded().split(".")
    )
    body = _unb64(claims)
    body["access"][0]["actions"] = ["pull", "push"]
    forged = ".".join([header, _b64(body).replace("=", ""), signature])
    with pytest.raises(RegistryError) as error:
        issuer.decode(forged)
    assert error.value.code is ErrorCode.UNAUTHORIZED
    unsigned = ".".join([_b64({"alg": "none", "typ": "JWT"}), claims, signature])
    with pytest.raises(RegistryError, match="malformed"):
        issuer.decode(unsigned)


def test_a_token_respelt_with_the_same_claims_is_refused():
    # Only the exact bytes that were signed count, as with any JWT.
    issuer = TokenIssuer("registry.example", SECRET)
    header, claims, signature = (
        issue("bob", "repository:team/app:pull", issuer=issuer).encoded().split(".")
    )
    respelt = ".".join([header, _b64(_unb64(claims)).replace("=", ""), signature])
    assert _unb64(respelt.split(".")[1]) == _unb64(claims)
    with pytest.raises(RegistryError, match="canonical"):
        issuer.decode(respelt)


@given(text=st.text(max_size=80))
def test_any_garbage_token_is_unauthorized_never_a_crash(text):
    with pytest.raises(RegistryError) as error:
        TokenIssuer("registry.example", SECRET).decode(text)
    assert error.value.code is ErrorCode.UNAUTHORIZED


@given(data=st.data())
def test_changing_any_single_character_of_a_token_breaks_it(data):
    issuer = TokenIssuer("registry.example", SECRET)
    text = issue("bob", "repository:team/app:pull", issuer=issuer).encoded()
    position = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from("ABCabc0189-_.=").filter(lambda c: c != text[position]))
    with pytest.raises(RegistryError):
        issuer.decode(text[:position] + replacement + text[position + 1 :])


# --- Basic credentials and request actions --------------------------------------------


def test_login_credentials_are_stored_as_docker_stores_them():
    assert basic_credentials("alice", "wonderland") == "YWxpY2U6d29uZGVybGFuZA=="
    assert parse_basic("Basic YWxpY2U6d29uZGVybGFuZA==") == ("alice", "wonderland")
    assert parse_basic("YWxpY2U6d29uZGVybGFuZA==") == ("alice", "wonderland")


@given(user=st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), password=st.text(max_size=30))
def test_any_credentials_survive_the_round_trip_even_with_colons(user, password):
    assert parse_basic("Basic " + basic_credentials(user, password + ":x")) == (
        user,
        password + ":x",
    )


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64",
        "Bearer " + base64.b64encode(b"alice:hunter2-secret").decode(),
        "Basic " + base64.b64encode(b"no-colon-hunter2-secret").decode(),
        "Basic " + base64.b64encode(b":hunter2-secret").decode(),
    ],
)
def test_bad_basic_credentials_are_refused_without_echoing_the_secret(header):
    with pytest.raises(AuthInputError) as error:
        parse_basic(header)
    assert "hunter2" not in str(error.value)
    assert header.split()[-1] not in str(error.value)


@pytest.mark.parametrize(
    "method, action",
    [
        ("GET", "pull"),
        ("HEAD", "pull"),
        ("POST", "push"),
        ("PATCH", "push"),
        ("PUT", "push"),
        ("DELETE", "delete"),
        ("get", "pull"),
    ],
)
def test_reads_need_pull_writes_need_push_and_deletes_need_delete(method, action):
    assert required_action(method) == action


def test_an_unknown_method_needs_no_action_and_says_so():
    with pytest.raises(AuthInputError, match="'OPTIONS'"):
        required_action("OPTIONS")
