"""What a Kubernetes node's kubelet does with a container's image before it starts the container.

Kubernetes' image manager (kubernetes/kubernetes pkg/kubelet/images/image_manager.go,
`EnsureImageExists` and `shouldPullImage`), as the "Images" page explains it
(kubernetes.io/docs/concepts/containers/images/#image-pull-policy):

- `IfNotPresent`: an image the node already holds under the name as written is used with no
  request at all ("Container image ... already present on machine"); otherwise it is pulled.
- `Never`: the same, except that a missing image is an error (ErrImageNeverPull) and nothing is asked.
- `Always`: the kubelet asks the runtime to pull every time (the CRI's PullImage). containerd
  resolves the name with one HEAD request and fetches only what its content store lacks
  (containerd.py), so an unchanged image costs one request and no bytes.
- No policy: `Always` for `:latest` or a name with no tag or digest, `IfNotPresent` otherwise,
  a digest included (pkg/apis/core/v1/defaults.go `SetDefaults_Container`).
- `imagePullSecrets`: the kubelet hands the secret's credentials for the image's registry to
  PullImage for this one pull; the node keeps them nowhere (containerd.py, `--creds`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from regsim.model.client.containerd import crictl_pull
from regsim.model.core.events import Direction, Outcome
from regsim.model.oci.errors import RegistryError

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client


class PullPolicy(StrEnum):
    """A container's `imagePullPolicy`, spelled as in a pod spec."""

    ALWAYS = "Always"
    IF_NOT_PRESENT = "IfNotPresent"
    NEVER = "Never"


def default_policy(text: str) -> PullPolicy:
    """The policy the API server fills in when a pod spec leaves it out."""
    name, _, digest = text.partition("@")
    if digest:
        return PullPolicy.IF_NOT_PRESENT
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return PullPolicy.ALWAYS if tag in ("", "latest") else PullPolicy.IF_NOT_PRESENT


def ensure_image(client: Client, text: str, policy: PullPolicy | None = None, secret: str | None = None) -> Outcome:
    """The kubelet's image manager for one container: use the node's copy, pull, or refuse."""
    policy = policy or default_policy(text)
    try:
        present = client.image_for(client.parse(text)) is not None
    except RegistryError as error:
        return Outcome().fail("InvalidImageName", error.reason, f'Failed to apply default image tag "{text}": '
                              f'couldn\'t parse image name "{text}": {error.reason}')
    if policy == PullPolicy.NEVER or (policy == PullPolicy.IF_NOT_PRESENT and present):
        out = Outcome(direction=Direction.DOWN)
        if present:
            out.output.append(f'Container image "{text}" already present on machine')
            return out
        return out.fail("ErrImageNeverPull", f"{text} is not on {client.name} and the policy is Never",
                        f'Container image "{text}" is not present with pull policy of Never')
    pulled = crictl_pull(client, text, secret)
    # The kubelet reports the runtime's answer as events; a failed pull leaves the container in ErrImagePull.
    last = pulled.output[-1] if pulled.output else ""
    result = f'Successfully pulled image "{text}"' if pulled.ok else f'Failed to pull image "{text}": {last}'
    pulled.output[:] = [f'Pulling image "{text}"', result]
    return pulled
