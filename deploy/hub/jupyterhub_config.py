"""The class server's JupyterHub configuration: `minichain hub start` runs JupyterHub with it
(as root, which a hub that switches to each trainee's Unix user must be). Every setting is in
minichain/classroom/hub_config.py; change them with MINICHAIN_HUB_* environment variables
(see the instructor's guide, deploy/hub/README.md)."""

from minichain.classroom.hub_config import ClassSettings, configure

configure(c, ClassSettings.from_environment())  # noqa: F821 - `c` is JupyterHub's config
