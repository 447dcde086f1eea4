"""Auth end to end: real clients log in, push, pull and delete against registries with auth.

Every cell of the access matrix (user x repository kind x action x auth mode) is driven
through the same code a scenario runs, and checked against a table written out by hand.
"""

from __future__ import annotations

import base64
import functools
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Restarted

from regsim.model.oci.auth import parse_challenge
from regsim.model.oci.errors import RegistryError
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.ratelimit import PullRateLimit
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World

HOST = "reg.example"
PASSWORDS = {
    "alice": "alice-pw-Wq81",   # owns the alice/ namespace
    "bob": "bob-pw-Zk42",       # granted pull on alice's listed repositories
    "carol": "carol-pw-Jd93",   # granted pull, push and delete on them
    "dave": "dave-pw-Lm04",     # no grants anywhere
    "erin": "erin-pw-Px75",     # owns the namespace nobody in the matrix acts in
}
USERS = {"owner": "alice", "puller": "bob", "maintainer": "carol", "other": "dave", "anonymous": None}
LISTED = {
    "alice/site": RepositoryPolicy("public", {"bob": frozenset({"pull"}),
                                              "carol": frozenset({"pull", "push", "delete"})}),
    "alice/secret": RepositoryPolicy("private", {"bob": frozenset({"pull"}),
                                                 "carol": frozenset({"pull", "push", "delete"})}),
}


def repository_for(kind: str, user: str | None) -> str:
    return {
        "listed-public": "alice/site",
        "listed-private": "alice/secret",
        "own-namespace": f"{user or 'anonymous'}/app",   # USER/app, not listed anywhere
        "other-namespace": "erin/tools",
        "library": "library/x",
    }[kind]


ALL = "pull push delete"
# With basic or token auth. Listing a repository replaces the namespace defaults, so alice
# (who owns the alice/ namespace) holds on alice/site and alice/secret only what anyone holds.
EXPECTED_WITH_AUTH = {
    "owner": {"listed-public": "pull", "listed-private": "", "own-namespace": ALL,
              "other-namespace": "pull", "library": "pull"},
    "puller": {"listed-public": "pull", "listed-private": "pull", "own-namespace": ALL,
               "other-namespace": "pull", "library": "pull"},
    "maintainer": {"listed-public": ALL, "listed-private": ALL, "own-namespace": ALL,
                   "other-namespace": "pull", "library": "pull"},
    "other": {"listed-public": "pull", "listed-private": "", "own-namespace": ALL,
              "other-namespace": "pull", "library": "pull"},
    "anonymous": {"listed-public": "pull", "listed-private": "", "own-namespace": "pull",
                  "other-namespace": "pull", "library": "pull"},
}
EXPECTED = {
    "none": {user: {kind: ALL for kind in EXPECTED_WITH_AUTH[user]} for user in USERS},
    # docker sends no request to a Basic registry without credentials, even for what the policy
    # lets anyone pull (distribution registry/client/auth/session.go, ErrNoBasicAuthCredentials).
    "basic": {**EXPECTED_WITH_AUTH, "anonymous": {kind: "" for kind in EXPECTED_WITH_AUTH["anonymous"]}},
    "token": EXPECTED_WITH_AUTH,
}
REPO_KINDS = list(EXPECTED_WITH_AUTH["owner"])


@functools.cache
def users() -> UserStore:
    store = UserStore()
    for name, password in PASSWORDS.items():
        store.add(name, password)
    return store


def basic(user: str) -> str:
    return base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()


def make_world(mode: str, seed: tuple[str, ...] = (), rate_limit: PullRateLimit | None = None) -> World:
    """A world with HOST guarded by `mode`; each repository in `seed` already holds NAME:v1."""
    world = World()
    seeded = world.add_registry(Registry(HOST))
    seeder = world.add_client("seeder")
    for i, repository in enumerate(seed):
        ref = f"{HOST}/{repository}:v1"
        assert seeder.build(ref, [(f"seed-{i}", 2_000 + i)]).ok
        assert seeder.push(ref).ok
    guard = RegistryAccess(HOST, AccessPolicy(mode, users(), LISTED), world.current_time) if mode != "none" else None
    # The seeded content, served from now on with auth (and the rate limit) on.
    world.add_registry(Registry(HOST, guard=guard, rate_limit=rate_limit, clock=world.current_time,
                                storage=Restarted(seeded.store)))
    return world


def logged_in(world: World, name: str, user: str | None):  # type: ignore[no-untyped-def]
    client = world.add_client(name)
    if user is not None:
        out = client.login(HOST, user, PASSWORDS[user])
        assert out.ok, out.output
    return client


def delete_auth(world: World, mode: str, user: str | None, repository: str) -> str | None:
    """The Authorization header a script would send to DELETE (a token from the token service)."""
    registry = world.registries[HOST]
    if mode == "none":
        return None
    if mode == "basic":
        return f"Basic {basic(user)}" if user else None
    response = registry.issue_token(f"Basic {basic(user)}" if user else None, HOST,
                                    [f"repository:{repository}:delete"])
    return f"Bearer {json.loads(response.body)['token']}"


# --- The matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["pull", "push", "delete"])
@pytest.mark.parametrize("repo_kind", REPO_KINDS)
@pytest.mark.parametrize("user_kind", list(USERS))
@pytest.mark.parametrize("mode", ["none", "basic", "token"])
def test_each_user_can_do_through_a_real_client_exactly_what_the_table_says(mode, user_kind, repo_kind, action):
    user = USERS[user_kind]
    repository = repository_for(repo_kind, user)
    should = action in EXPECTED[mode][user_kind][repo_kind].split()
    world = make_world(mode, seed=(repository,))
    registry = world.registries[HOST]
    digest = registry.repositories[repository].tags.get("v1")
    client = logged_in(world, "actor", user)

    if action == "pull":
        out = client.pull(f"{HOST}/{repository}:v1")
        assert out.ok is should, out.output
        assert (f"{HOST}/{repository}:v1" in client.tags) is should
    elif action == "push":
        ref = f"{HOST}/{repository}:new"
        assert client.build(ref, [("fresh", 7_000)]).ok
        out = client.push(ref)
        assert out.ok is should, out.output
        assert ("new" in registry.repositories[repository].tags) is should
        if not should:
            assert not any("Pushed" in line for line in out.output)
    else:
        auth = delete_auth(world, mode, user, repository)
        try:
            response = registry.delete_manifest(auth, repository, digest)
            allowed = response.status == 202
        except RegistryError as error:
            assert error.code.name in ("UNAUTHORIZED", "DENIED")
            allowed = False
        assert allowed is should
        assert (digest in registry.repositories[repository].manifests) is not should


# --- The token dance -------------------------------------------------------------------------


def test_a_token_registry_answers_the_version_check_with_a_bearer_challenge():
    world = make_world("token")
    with pytest.raises(RegistryError) as caught:
        world.registries[HOST].ping(None)
    assert caught.value.code.name == "UNAUTHORIZED"
    header = caught.value.headers["WWW-Authenticate"]
    assert header.startswith(f'Bearer realm="https://{HOST}/token",service="{HOST}"')


def test_a_pull_first_checks_the_version_then_asks_for_a_token_then_uses_it():
    world = make_world("token", seed=("library/x",))
    client = logged_in(world, "bob", "bob")
    with world.recording() as events:
        assert client.pull(f"{HOST}/library/x:v1").ok
        first = [(e.method, e.path.split("?")[0], e.status, e.outcome) for e in events[:3]]
        assert first == [
            ("GET", "/v2/", 401, "challenge"),
            ("GET", "/token", 200, "token"),
            ("GET", "/v2/library/x/manifests/v1", 200, "ok"),
        ]
        query = parse_qs(urlsplit(events[1].path).query)
        assert query == {"service": [HOST], "scope": ["repository:library/x:pull"]}
        assert all(e.status == 200 for e in events[2:])


def test_a_push_asks_for_pull_and_push_on_the_repository():
    world = make_world("token")
    client = logged_in(world, "alice", "alice")
    assert client.build(f"{HOST}/alice/app:v1", [("one", 1_000)]).ok
    with world.recording() as events:
        assert client.push(f"{HOST}/alice/app:v1").ok
        tokens = [e for e in events if e.path.startswith("/token")]
        assert len(tokens) == 1
        assert parse_qs(urlsplit(tokens[0].path).query)["scope"] == ["repository:alice/app:pull,push"]


def test_a_basic_registry_challenges_with_a_basic_realm():
    world = make_world("basic")
    with pytest.raises(RegistryError) as caught:
        world.registries[HOST].ping(None)
    assert caught.value.code.name == "UNAUTHORIZED"
    challenge = parse_challenge(caught.value.headers["WWW-Authenticate"])
    assert challenge.scheme == "Basic"
    assert caught.value.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_with_basic_auth_the_client_sends_no_token_request():
    world = make_world("basic", seed=("library/x",))
    client = logged_in(world, "bob", "bob")
    with world.recording() as events:
        assert client.pull(f"{HOST}/library/x:v1").ok
        assert not any(e.path.startswith("/token") for e in events)
        assert events[0].status == 401 and events[0].path == "/v2/"


def token_for(world: World, user: str | None, scope: str) -> str:
    auth = f"Basic {basic(user)}" if user else None
    response = world.registries[HOST].issue_token(auth, HOST, [scope])
    return f"Bearer {json.loads(response.body)['token']}"


@pytest.mark.parametrize("other", ["alice/app2", "alice/ap", "alice/app/sub", "erin/tools", "alice/secret"])
def test_a_token_for_one_repository_never_opens_another(other):
    world = make_world("token", seed=("alice/app", other))
    registry = world.registries[HOST]
    bearer = token_for(world, "alice", "repository:alice/app:pull,push,delete")
    assert registry.get_manifest(bearer, "alice/app", "v1").status == 200
    for call in (lambda: registry.get_manifest(bearer, other, "v1"),
                 lambda: registry.delete_manifest(bearer, other, "v1"),
                 lambda: registry.start_upload(bearer, other)):
        with pytest.raises(RegistryError) as caught:
            call()
        assert caught.value.code.name in ("UNAUTHORIZED", "DENIED")
    assert "v1" in registry.repositories[other].tags


def test_a_token_from_another_registry_does_not_open_this_one():
    world = make_world("token", seed=("library/x",))
    other = RegistryAccess("other.example", AccessPolicy("token", users(), {}), world.current_time)
    text = json.loads(other.issue_token(None, "other.example", ["repository:library/x:pull"]).body)["token"]
    with pytest.raises(RegistryError) as caught:
        world.registries[HOST].get_manifest(f"Bearer {text}", "library/x", "v1")
    assert caught.value.code.name == "UNAUTHORIZED"


def test_a_grant_or_revoke_reaches_a_client_through_its_next_token_never_one_already_signed():
    """The registry checks a request against the access claim signed into its token when issued
    (distribution registry/auth/token/accesscontroller.go, Authorized: token.accessSet()); only the
    token service reads the policy. docker asks for a new token on every push and pull (moby
    distribution/registry.go, NewV2Repository: a new token handler each time), so its next push
    sees a grant or a revoke at once, without a new login."""
    world = make_world("token", seed=("alice/secret",))
    registry = world.registries[HOST]
    policy = registry.guard.policy

    def bearer() -> str:
        answer = registry.issue_token(f"Basic {basic('bob')}", HOST, ["repository:alice/secret:pull,push"])
        return f"Bearer {json.loads(answer.body)['token']}"

    signed_before = bearer()                                   # bob holds pull only
    assert policy.grant("bob", "alice/secret", ["push"]) == ("pull", "push")
    with pytest.raises(RegistryError) as caught:
        registry.start_upload(signed_before, "alice/secret")
    assert 'error="insufficient_scope"' in caught.value.headers["WWW-Authenticate"]
    signed_after = bearer()
    assert registry.start_upload(signed_after, "alice/secret").status == 202
    ci = logged_in(world, "ci", "bob")
    assert ci.build(f"{HOST}/alice/secret:v2", [("fix", 900)]).ok
    assert ci.push(f"{HOST}/alice/secret:v2").ok
    assert policy.revoke("bob", "alice/secret", ["push", "delete"]) == ("pull",)
    assert registry.start_upload(signed_after, "alice/secret").status == 202   # until it expires
    with world.recording() as events:
        refused = ci.push(f"{HOST}/alice/secret:v2")
    assert refused.error == "DENIED" and sum(e.path.startswith("/token") for e in events) == 1
    world.now += 301
    with pytest.raises(RegistryError):
        registry.start_upload(signed_after, "alice/secret")


def test_a_token_that_expires_in_the_middle_of_a_pull_is_renewed_transparently():
    world = make_world("token", seed=("library/x",))
    registry = world.registries[HOST]
    client = logged_in(world, "bob", "bob")
    real_get_blob = registry.get_blob
    jumped = []

    def slow_get_blob(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not jumped:            # the first layer takes six minutes to start
            jumped.append(True)
            world.now += 360
        return real_get_blob(*args, **kwargs)

    registry.get_blob = slow_get_blob  # type: ignore[method-assign]
    with world.recording() as events:
        out = client.pull(f"{HOST}/library/x:v1")
        assert out.ok, out.output
        blob_gets = [e for e in events if "/blobs/" in e.path]
        assert blob_gets[0].status == 401 and blob_gets[0].outcome == "challenge"
        assert sum(e.path.startswith("/token") for e in events) == 2
        assert all(e.status == 200 for e in blob_gets[1:])


def test_a_token_that_expires_in_the_middle_of_a_push_is_renewed_and_the_request_sent_again():
    """A push sends its blob requests straight to the transport; with a token service, a 401
    for an expired token still gets one new token and one retry, as docker's does."""
    world = make_world("token")
    registry = world.registries[HOST]
    client = logged_in(world, "bob", "bob")
    client.build("app:v1", [("base", 1000), ("top", 200)])
    client.tag("app:v1", f"{HOST}/bob/app:v1")
    real_head_blob = registry.head_blob
    jumped = []

    def slow_head_blob(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not jumped:            # the first HEAD is answered six minutes later
            jumped.append(True)
            world.now += 360
        return real_head_blob(*args, **kwargs)

    registry.head_blob = slow_head_blob  # type: ignore[method-assign]
    with world.recording() as events:
        out = client.push(f"{HOST}/bob/app:v1")
        assert out.ok, out.output
        heads = [e for e in events if e.method == "HEAD"]
        assert heads[0].status == 401 and heads[0].outcome == "challenge"
        assert heads[1].path == heads[0].path and heads[1].status == 404
        assert heads[1].why.endswith("(retried with a new token)")
        assert sum(e.path.startswith("/token") for e in events) == 2


# --- Login and logout ------------------------------------------------------------------------

# moby registry/auth.go, loginV2: with Basic auth the retried GET /v2/ answers 401 and docker
# names its status; with a token service the token request fails inside that GET, and docker
# shows the URL and the token service's error (as Docker Hub's: "incorrect username or password").
WRONG_LOGIN = {
    "basic": f"Error response from daemon: login attempt to https://{HOST}/v2/ failed with status: 401 Unauthorized",
    "token": f'Error response from daemon: Get "https://{HOST}/v2/": unauthorized: incorrect username or password',
}


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_a_wrong_password_is_refused_and_nothing_is_stored(mode):
    world = make_world(mode)
    client = world.add_client("alice")
    out = client.login(HOST, "alice", "not-the-password")
    assert not out.ok
    assert out.output == [WRONG_LOGIN[mode]]
    assert client.credentials == {} and client.logins == {}
    assert client.config_json() == {"auths": {}}


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_an_unknown_user_is_refused_like_a_wrong_password(mode):
    world = make_world(mode)
    client = world.add_client("mallory")
    out = client.login(HOST, "mallory", "guess")
    assert out.output == [WRONG_LOGIN[mode]]
    assert client.credentials == {}


@pytest.mark.parametrize("mode", [
    "basic",
    "token",
])
def test_a_wrong_password_keeps_the_earlier_good_login(mode):
    world = make_world(mode)
    client = logged_in(world, "alice", "alice")
    before = client.config_json()
    assert not client.login(HOST, "alice", "typo").ok
    assert client.config_json() == before


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_config_json_holds_base64_which_anyone_can_decode(mode):
    world = make_world(mode)
    client = logged_in(world, "alice", "alice")
    stored = client.config_json()["auths"][HOST]["auth"]
    assert base64.b64decode(stored).decode() == f"alice:{PASSWORDS['alice']}"
    out = client.logout(HOST)
    assert out.output == [f"Removing login credentials for {HOST}"]
    assert client.config_json() == {"auths": {}}
    assert client.logout(HOST).output == [f"Not logged in to {HOST}"]


def test_after_logout_a_private_pull_is_refused_again():
    world = make_world("token", seed=("alice/secret",))
    client = logged_in(world, "bob", "bob")
    assert client.pull(f"{HOST}/alice/secret:v1").ok
    client.logout(HOST)
    client.rmi(f"{HOST}/alice/secret:v1")
    out = client.pull(f"{HOST}/alice/secret:v1")
    assert not out.ok
    assert out.output[-1] == PULL_ACCESS_DENIED.format(name=f"{HOST}/alice/secret")


# --- What docker prints when refused ---------------------------------------------------------

# moby distribution/errors.go (notFoundError) over the DENIED that distribution's client makes of
# a 401 with error="insufficient_scope" (registry/client/errors.go, HandleErrorResponse).
PULL_ACCESS_DENIED = ("Error response from daemon: pull access denied for {name}, repository does not exist "
                      "or may require 'docker login': denied: requested access to the resource is denied")


def test_a_private_pull_without_login_on_a_token_registry_prints_pull_access_denied():
    world = make_world("token", seed=("alice/secret",))
    client = world.add_client("visitor")
    with world.recording() as events:
        out = client.pull(f"{HOST}/alice/secret:v1")
        assert not out.ok and out.error == "DENIED"
        assert out.output[-1] == PULL_ACCESS_DENIED.format(name=f"{HOST}/alice/secret")
        refused = events[-1]
        assert (refused.method, refused.status) == ("GET", 401)


def test_a_private_pull_without_login_on_a_basic_registry_is_stopped_by_the_client():
    # distribution's Basic handler sends nothing without credentials (registry/client/auth/session.go).
    world = make_world("basic", seed=("alice/secret",))
    client = world.add_client("visitor")
    with world.recording() as events:
        out = client.pull(f"{HOST}/alice/secret:v1")
        assert not out.ok and out.error == "UNAUTHORIZED"
        assert out.output[-1] == (f'Error response from daemon: Get "https://{HOST}/v2/alice/secret/manifests/v1": '
                                  "no basic auth credentials")
        assert [(e.method, e.path) for e in events] == [("GET", "/v2/")]


def test_a_push_without_rights_on_a_token_registry_is_a_401_that_docker_prints_as_denied():
    world = make_world("token", seed=("erin/tools",))
    client = logged_in(world, "dave", "dave")
    assert client.build(f"{HOST}/erin/tools:v2", [("mine", 3_000)]).ok
    with world.recording() as events:
        out = client.push(f"{HOST}/erin/tools:v2")
        assert not out.ok and out.error == "DENIED"
        # Printed into the push's progress, after "The push refers to repository": no daemon prefix.
        assert out.output[-1] == "denied: requested access to the resource is denied"
        assert events[-1].status == 401
        # The token service granted what it will grant: docker asks for no second token, and retries nothing.
        assert sum(e.path.startswith("/token") for e in events) == 1
        assert sum(e.status == 401 and e.path != "/v2/" for e in events) == 1
    assert "v2" not in world.registries[HOST].repositories["erin/tools"].tags


@pytest.mark.parametrize("user", ["dave", None])
def test_a_token_without_the_action_gets_401_insufficient_scope_never_403(user):
    # distribution registry/auth/token/accesscontroller.go: every refusal is a challenge (401).
    world = make_world("token", seed=("erin/tools",))
    bearer = token_for(world, user, "repository:erin/tools:pull,push")
    with pytest.raises(RegistryError) as caught:
        world.registries[HOST].start_upload(bearer, "erin/tools")
    assert caught.value.status == 401
    challenge = parse_challenge(caught.value.headers["WWW-Authenticate"])
    assert challenge.params["error"] == "insufficient_scope"
    assert challenge.params["scope"] == "repository:erin/tools:push"


def test_a_missing_repository_is_refused_to_a_stranger_exactly_as_a_private_one():
    # Authorization comes before the repository is looked up (distribution registry/handlers/app.go),
    # and the token server grants nothing on a name that holds nothing (Docker Hub's answer).
    world = make_world("token", seed=("alice/secret",))
    from regsim.scenario.world_builder import _holds_an_image
    registry = world.registries[HOST]
    registry.guard.exists = functools.partial(_holds_an_image, world, HOST)  # type: ignore[union-attr]
    lines = {}
    for name in ("alice/secret", "alice/nothing-here"):
        client = world.add_client(f"visitor-{name.replace('/', '-')}")
        with world.recording() as events:
            out = client.pull(f"{HOST}/{name}:v1")
            lines[name] = (out.error, out.output[-1].replace(name, "NAME"),
                           [(e.method, e.status) for e in events])
    assert lines["alice/secret"] == lines["alice/nothing-here"]
    assert lines["alice/secret"][0] == "DENIED"


def test_a_push_without_rights_on_a_basic_registry_is_a_403_denied():
    world = make_world("basic", seed=("erin/tools",))
    client = logged_in(world, "dave", "dave")
    assert client.build(f"{HOST}/erin/tools:v2", [("mine", 3_000)]).ok
    with world.recording() as events:
        out = client.push(f"{HOST}/erin/tools:v2")
        assert not out.ok and out.error == "DENIED"
        assert out.output[-1] == "denied: requested access to the resource is denied"
        assert events[-1].status == 403
    assert "v2" not in world.registries[HOST].repositories["erin/tools"].tags


def test_pushing_a_bare_name_lands_on_docker_hub_under_library_and_is_denied():
    # distribution/reference normalize.go (splitDockerDomain): a name with no host is Docker
    # Hub's, and a one-component name there is under library/, whichever registry is set up.
    world = World()
    hub = "docker.io"
    guard = RegistryAccess(hub, AccessPolicy("token", users(), LISTED), world.current_time)
    world.add_registry(Registry(hub, guard=guard, clock=world.current_time))
    client = world.add_client("alice")
    assert client.login(hub, "alice", PASSWORDS["alice"]).ok
    assert client.build("myapp", [("app", 4_000)]).ok
    with world.recording() as events:
        out = client.push("myapp")
        assert out.output[0] == "The push refers to repository [docker.io/library/myapp]"
        assert not out.ok
        assert out.output[-1] == "denied: requested access to the resource is denied"
        assert any("scope=repository:library/myapp:pull,push" in e.path for e in events)
        assert all(e.dst == hub for e in events)
        assert "library/myapp" not in world.registries[hub].repositories or \
            not world.registries[hub].repositories["library/myapp"].tags


# --- Secrets stay secret ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "basic", "token"])
def test_a_password_never_appears_in_requests_output_or_reprs(mode):
    world = make_world(mode, seed=("alice/secret",))
    registry = world.registries[HOST]
    with world.recording() as events:
        seen: list[str] = []
        client = world.add_client("bob")
        for out in (
            client.login(HOST, "bob", "wrong-Secret-999"),
            client.login(HOST, "bob", PASSWORDS["bob"]),
            client.pull(f"{HOST}/alice/secret:v1"),
            client.build(f"{HOST}/alice/secret:v2", [("b", 10)]),
            client.push(f"{HOST}/alice/secret:v2"),
            client.logout(HOST),
        ):
            seen += out.output
            seen += [str(out.message), str(out.error)]
        for event in events:
            seen += [json.dumps(event.to_dict()), repr(event)]
        seen += [repr(registry), repr(client), repr(registry.guard), str(registry.guard)]
        if registry.guard is not None:
            seen += [repr(registry.guard.policy), repr(registry.guard.issuer)]
        text = "\n".join(seen)
        for secret in (PASSWORDS["bob"], "wrong-Secret-999", basic("bob")):
            assert secret not in text


# --- Rate limits -----------------------------------------------------------------------------


def limited_world(pulls: int = 2, per: float = 3600.0) -> World:
    return make_world("token", seed=("library/x",), rate_limit=PullRateLimit(pulls, per, authenticated=pulls))


def test_the_pull_after_the_limit_is_refused_with_429():
    world = limited_world(pulls=2)
    client = world.add_client("ci")
    assert client.pull(f"{HOST}/library/x:v1").ok
    assert client.pull(f"{HOST}/library/x:v1").ok
    with world.recording() as events:
        out = client.pull(f"{HOST}/library/x:v1")
        assert not out.ok and out.error == "TOOMANYREQUESTS"
        assert out.output[-1].startswith("Error response from daemon: toomanyrequests: ")
        manifest_gets = [e for e in events if "/manifests/" in e.path]
        assert [e.status for e in manifest_gets] == [429]


def test_the_limit_counts_manifest_gets_not_blobs():
    world = limited_world(pulls=1)
    client = world.add_client("ci")
    assert client.pull(f"{HOST}/library/x:v1").ok   # one manifest GET and two blob GETs
    assert not client.pull(f"{HOST}/library/x:v1").ok


def test_after_the_window_pulls_work_again():
    world = limited_world(pulls=1, per=3600.0)
    client = world.add_client("ci")
    assert client.pull(f"{HOST}/library/x:v1").ok
    world.now += 1800
    assert not client.pull(f"{HOST}/library/x:v1").ok
    world.now += 1800
    assert client.pull(f"{HOST}/library/x:v1").ok


def test_a_logged_in_user_has_their_own_count():
    world = limited_world(pulls=1)
    anonymous = world.add_client("laptop")
    assert anonymous.pull(f"{HOST}/library/x:v1").ok
    assert not anonymous.pull(f"{HOST}/library/x:v1").ok
    bob = logged_in(world, "bob-laptop", "bob")
    assert bob.pull(f"{HOST}/library/x:v1").ok
    assert not bob.pull(f"{HOST}/library/x:v1").ok
    alice = logged_in(world, "alice-laptop", "alice")
    assert alice.pull(f"{HOST}/library/x:v1").ok


def test_a_rate_limit_from_a_scenario_refuses_the_extra_pull():
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario

    text = f"""
version: 1
title: Rate limit
summary: Two pulls per six hours, then a 429.
registries:
  - {{name: {HOST}, rate_limit: {{pulls: 2, per: 6h}}}}
clients: [dev, ci]
layers: {{base: 1MB}}
images:
  app:v1: [base]
steps:
  - {{as: dev, run: docker build -t app:v1 .}}
  - {{as: dev, run: docker tag app:v1 {HOST}/team/app:v1}}
  - {{as: dev, run: docker push {HOST}/team/app:v1}}
  - {{as: ci, run: docker pull {HOST}/team/app:v1}}
  - {{as: ci, run: docker pull {HOST}/team/app:v1}}
  - {{as: ci, run: docker pull {HOST}/team/app:v1}}
  - {{run: wait 6h}}
  - {{as: ci, run: docker pull {HOST}/team/app:v1}}
"""
    run = replay(parse_scenario(text))
    records = run.records
    assert [r.ok for r in records[3:6]] == [True, True, False]
    assert records[5].error == "TOOMANYREQUESTS"
    assert records[5].output[-1].startswith("Error response from daemon: toomanyrequests:")
    assert [e.status for e in records[5].requests if "/manifests/" in e.path] == [429]
    assert records[7].ok, records[7].output


def test_a_mount_from_a_repository_the_token_cannot_read_is_refused_as_a_whole():
    # distribution registry/handlers/app.go: a mount needs pull on `from` as well as push on the
    # target, and the token access controller refuses a token lacking either with 401.
    world = make_world("token", seed=("alice/secret", "dave/app", "bob/app"))
    registry = world.registries[HOST]
    digest = registry.repositories["alice/secret"].blobs.enumerate()[0]
    bearer = token_for(world, "dave", "repository:dave/app:pull,push")
    with pytest.raises(RegistryError) as caught:
        registry.start_upload(bearer, "dave/app", mount=digest, from_repository="alice/secret")
    assert caught.value.status == 401
    assert parse_challenge(caught.value.headers["WWW-Authenticate"]).params["error"] == "insufficient_scope"
    assert digest not in registry.repositories["dave/app"].blobs
    # bob may pull alice/secret: with both scopes in his token, the same request links the blob.
    response = registry.issue_token(f"Basic {basic('bob')}", HOST,
                                    ["repository:bob/app:pull,push", "repository:alice/secret:pull"])
    both = f"Bearer {json.loads(response.body)['token']}"
    assert registry.start_upload(both, "bob/app", mount=digest, from_repository="alice/secret").status == 201
    assert digest in registry.repositories["bob/app"].blobs
