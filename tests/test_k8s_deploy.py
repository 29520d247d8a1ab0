"""The class beyond one server (deploy/k8s/, issue #22), checked here without a cluster.

The company's IT installs the Zero to JupyterHub chart with deploy/k8s/values.yaml, applies
deploy/k8s/course-service.yaml and builds two images from deploy/k8s/Dockerfile. None of that
runs here (no cluster, no Docker, no network), so these stories check what can be checked:

- the values, merged over the chart's defaults as helm merges them, against the chart's own
  schema (deploy/k8s/schema/, copied unchanged from the chart's 4.4.0 release), and that a
  misspelt key is refused;
- the roles: the course service holds exactly COURSE_SCOPES, instructors may use it, trainees
  keep the hub's defaults: the same roles as the one-server hub (minichain/classroom/hub_config.py);
- the course service's manifests name the same service, port, token and addresses as the values,
  and the service's own code reads that environment as intended;
- the Dockerfile: every `pip install` names extras the kit defines and the hub's JupyterHub,
  every path it copies exists and reaches the builder, the trainees' image never carries the
  exercises' sources, and the new-home hook runs on the image's files laid out here.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement

from minichain.classroom.service import COURSE_SCOPES

KIT = Path(__file__).resolve().parent.parent
K8S = KIT / "deploy" / "k8s"
SCHEMA = K8S / "schema"
SOURCES_OF_EXERCISES = ("exercises/source/", "exercises/zh_CN/source/")


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


VALUES = _yaml(K8S / "values.yaml")
MANIFESTS = {doc["kind"]: doc for doc in yaml.safe_load_all(
    (K8S / "course-service.yaml").read_text(encoding="utf-8"))}
SOURCE = _yaml(SCHEMA / "SOURCE.yaml")


# --- helm's view of the values --------------------------------------------------------------

def coalesce(defaults: dict, overrides: dict) -> dict:
    """The chart's defaults with `overrides` on top, as helm merges `--values`: maps merge key
    by key, anything else is replaced, and a null removes the key."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def schema_errors(values: dict) -> list[str]:
    """What the chart's schema says of `values` (helm validates the merged values the same way:
    the chart ships this schema, as JSON, for it)."""
    validator = jsonschema.Draft7Validator(_yaml(SCHEMA / "values.schema.yaml"))
    merged = coalesce(_yaml(SCHEMA / "chart-values.yaml"), values)
    return sorted(f"{'.'.join(map(str, error.path)) or '(top)'}: {error.message}"
                  for error in validator.iter_errors(merged))


def test_the_values_pass_the_charts_own_schema():
    assert schema_errors(VALUES) == []


@pytest.mark.parametrize("path, misspelt", [
    (("singleuser", "storage", "capacity"), "capacty"),
    (("singleuser", "memory", "limit"), "limt"),
    (("cull", "timeout"), "timout"),
    (("singleuser",), "singeluser"),
    (("ingress", "hosts"), "host"),
])
def test_a_misspelt_key_is_refused_not_ignored(path, misspelt):
    """IT types `capacty:` for `capacity:`; without the schema the chart would quietly use its
    own 10 GB default. The schema refuses the key, naming it."""
    values = copy.deepcopy(VALUES)
    parent = values
    for key in path[:-1]:
        parent = parent[key]
    parent[misspelt] = parent.pop(path[-1])
    errors = schema_errors(values)
    assert errors, f"{misspelt!r} was accepted"
    assert any(repr(misspelt) in error and "not allowed" in error for error in errors), errors


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_the_schema_is_the_charts_own_unchanged_copy():
    """The copies carry the git blob ids of the chart's files at the release's commit, so an
    edit here (to make a test pass) shows; the README installs that same release."""
    for name, origin in SOURCE["files"].items():
        assert _git_blob_id(SCHEMA / name) == origin["blob"], name
    assert (SCHEMA / "LICENSE").read_text(encoding="utf-8").startswith("BSD 3-Clause License")
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    versions = set(re.findall(r"--version[ =](\S+)", readme))
    assert versions == {SOURCE["version"]}


# --- roles: who may do what -----------------------------------------------------------------

def _one_server_hub(tmp_path: Path):
    """The one-server hub's configuration, as `minichain hub start` makes it."""
    from traitlets.config import Config

    from minichain.classroom.hub_config import ClassSettings, configure

    c = Config()
    configure(c, ClassSettings(state=tmp_path / "state"))
    return c


def _role(role: dict) -> dict:
    return {"scopes": sorted(role.get("scopes", [])), "groups": sorted(role.get("groups", [])),
            "users": sorted(role.get("users", [])), "services": sorted(role.get("services", []))}


def test_the_course_service_holds_exactly_its_scopes():
    roles = VALUES["hub"]["loadRoles"]
    held = [role for role in roles.values() if "course" in role.get("services", [])]
    assert len(held) == 1
    assert held[0]["scopes"] == COURSE_SCOPES
    assert held[0]["services"] == ["course"]


def test_instructors_may_use_the_course_service_and_trainees_only_the_defaults():
    """Only the instructors' group is given a role; a trainee keeps JupyterHub's default
    "user" role (her own server and nothing else), and no default role is redefined."""
    from jupyterhub.roles import get_default_roles

    roles = VALUES["hub"]["loadRoles"]
    assert not set(roles) & {role["name"] for role in get_default_roles()}
    given_to_people = {name: role for name, role in roles.items()
                       if role.get("groups") or role.get("users")}
    assert list(given_to_people) == ["course-instructor"]
    instructor = given_to_people["course-instructor"]
    assert instructor["groups"] == ["instructors"] and not instructor.get("users")
    assert "access:services!service=course" in instructor["scopes"]
    assert all("trainees" not in role.get("groups", []) for role in roles.values())

    # a server's token may ask for the course service, which only an instructor's gets
    server_role = next(r for r in get_default_roles() if r["name"] == "server")
    asked = VALUES["hub"]["config"]["Spawner"]["server_token_scopes"]
    assert set(asked) - set(server_role["scopes"]) == {"access:services!service=course"}


def test_the_roles_and_groups_are_those_of_the_one_server_hub(tmp_path):
    from minichain.classroom.course import TRAINEES
    from minichain.classroom.hub_config import INSTRUCTORS_GROUP

    one_server = _one_server_hub(tmp_path)
    theirs = {role["name"]: _role(role) for role in one_server.JupyterHub.load_roles
              if role["name"] != "idle-culler"}   # the chart runs and scopes its own culler
    ours = {name: _role(role) for name, role in VALUES["hub"]["loadRoles"].items()}
    assert ours == theirs
    assert (VALUES["hub"]["config"]["Spawner"]["server_token_scopes"]
            == one_server.Spawner.server_token_scopes)

    sign_in = VALUES["hub"]["config"]["GenericOAuthenticator"]
    assert sign_in["manage_groups"] is True
    assert set(sign_in["allowed_groups"]) == {TRAINEES, INSTRUCTORS_GROUP}


def test_a_trainee_gets_the_limits_and_idle_stop_of_the_one_server_class():
    from minichain.classroom.hub_config import ClassSettings

    settings = ClassSettings()
    limit = VALUES["singleuser"]["memory"]["limit"]
    assert limit.endswith("G")                            # kubespawner: G is 2**30 bytes
    assert int(limit[:-1]) * 1024 == settings.memory_mb
    assert VALUES["cull"]["enabled"] and VALUES["cull"]["timeout"] == settings.idle_minutes * 60
    assert VALUES["singleuser"]["defaultUrl"] == "/lab"
    assert VALUES["singleuser"]["storage"]["type"] == "dynamic"


# --- the course service's Deployment and the values agree ---------------------------------

def _container() -> dict:
    return MANIFESTS["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def _environment() -> dict[str, str | dict]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in _container()["env"]}


def test_the_hub_sends_instructors_to_the_course_services_address():
    (key, service), = VALUES["hub"]["services"].items()
    url = urlparse(service["url"])
    kube_service = MANIFESTS["Service"]
    assert url.hostname == kube_service["metadata"]["name"]
    (port,), container = kube_service["spec"]["ports"], _container()
    assert url.port == port["port"]
    listening = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = _environment()
    assert urlparse(env["JUPYTERHUB_SERVICE_URL"]).port == listening[port["targetPort"]]
    assert env["JUPYTERHUB_SERVICE_NAME"] == key
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{key}/"
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == f"/services/{key}/oauth_callback"
    assert env["JUPYTERHUB_CLIENT_ID"] == f"service-{key}"   # JupyterHub's default for a service
    assert kube_service["spec"]["selector"].items() <= (
        MANIFESTS["Deployment"]["spec"]["template"]["metadata"]["labels"].items())


def test_the_token_comes_from_the_charts_secret_never_from_a_file():
    (key, service), = VALUES["hub"]["services"].items()
    assert not {"apiToken", "api_token"} & set(service)
    assert _environment()["JUPYTERHUB_API_TOKEN"] == {
        "secretKeyRef": {"name": "hub", "key": f"hub.services.{key}.apiToken"}}
    assert VALUES["fullnameOverride"] == ""    # so the chart's Secret is named "hub"


def test_the_service_and_the_trainees_servers_reach_the_hub_by_the_charts_names():
    env = _environment()
    assert env["MINICHAIN_HUB_URL"] == VALUES["singleuser"]["extraEnv"]["MINICHAIN_HUB_URL"]
    assert env["MINICHAIN_HUB_URL"] == "http://proxy-public"
    api = urlparse(env["JUPYTERHUB_API_URL"])
    assert (api.hostname, api.port, api.path) == ("hub", 8081, "/hub/api")
    labels = MANIFESTS["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert labels["hub.jupyter.org/network-access-hub"] == "true"


def test_the_course_folder_is_on_its_own_volume():
    env, spec = _environment(), MANIFESTS["Deployment"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in _container()["volumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
              for v in spec["template"]["spec"]["volumes"]}
    (volume, path), = mounts.items()
    assert path == env["MINICHAIN_COURSE_DIR"]
    assert claims[volume] == MANIFESTS["PersistentVolumeClaim"]["metadata"]["name"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"


def test_the_course_and_the_trainees_speak_the_same_edition():
    env = _environment()
    language = VALUES["singleuser"]["extraEnv"]["MINICHAIN_LANG"]
    assert env["MINICHAIN_LANG"] == language
    assert env["MINICHAIN_COURSE_EXERCISES"] == "/opt/minichain/exercises" + (
        "/zh_CN" if language == "zh_CN" else "")


def test_the_network_policy_lets_the_service_reach_only_the_hub_and_the_proxy():
    policy = MANIFESTS["NetworkPolicy"]["spec"]
    pod_labels = MANIFESTS["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    reached = {rule["to"][0]["podSelector"]["matchLabels"]["component"]:
               [p["port"] for p in rule["ports"]] for rule in policy["egress"] if "to" in rule}
    assert reached == {"hub": [8081], "proxy": [8000]}   # the chart's container ports
    assert [rule for rule in policy["egress"] if "to" not in rule] == [
        {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]
    callers = {peer["podSelector"]["matchLabels"]["component"]
               for rule in policy["ingress"] for peer in rule["from"]}
    assert callers == {"hub", "proxy"}


def test_the_service_reads_the_deployments_environment_as_intended(tmp_path, monkeypatch):
    """The course service's own code, given the Deployment's environment (the token and the
    course folder replaced), finds the hub, the trainees' servers, its course and its OAuth
    settings: what the hub would give a service it starts itself."""
    from jupyterhub.services.auth import HubOAuth

    from minichain.classroom.service import course_from_environment

    env = {name: value for name, value in _environment().items() if isinstance(value, str)}
    env.update(JUPYTERHUB_API_TOKEN="a-token", MINICHAIN_COURSE_DIR=str(tmp_path / "course"),
               MINICHAIN_COURSE_EXERCISES=str(KIT / "exercises"))
    for name in [n for n in os.environ if n.startswith(("JUPYTERHUB_", "MINICHAIN_COURSE"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    course = course_from_environment()
    assert course.hub.api_url == "http://hub:8081/hub/api"
    assert course.hub.base_url.rstrip("/") == "http://proxy-public"  # …/user/<name>/api/contents
    assert course.folder.is_dir() and course.jobs == 2
    assert course.exercise_name("1") == "01-fingerprints-and-tamper-evidence"

    auth = HubOAuth()
    assert auth.oauth_client_id == "service-course"
    assert auth.oauth_redirect_uri == "/services/course/oauth_callback"
    assert auth.access_scopes == {"access:services!service=course"}
    assert auth.oauth_token_url == "http://hub:8081/hub/api/oauth2/token"


# --- the Dockerfile, read as the builder reads it -----------------------------------------

@dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile() -> tuple[dict[str, str], dict[str, Stage]]:
    """The Dockerfile's global ARGs and its stages, each with its instructions (continuation
    lines joined, comments dropped)."""
    lines, current = [], ""
    for raw in (K8S / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.lstrip().startswith("#") or (not raw.strip() and not current):
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    arguments, stages, stage = {}, {}, None
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "FROM":
            parent, _, name = rest.partition(" AS ")
            stage = stages[name.strip()] = Stage(name.strip(), parent.strip())
        elif stage is None and word == "ARG":
            name, _, default = rest.partition("=")
            arguments[name] = default
        else:
            stage.instructions.append((word, rest))
    return arguments, stages


def _lineage(stages: dict[str, Stage], name: str) -> list[Stage]:
    chain = [stages[name]]
    while chain[-1].parent in stages:
        chain.append(stages[chain[-1].parent])
    return chain[::-1]


def _ignore_rules() -> list[tuple[bool, re.Pattern]]:
    """Dockerfile.dockerignore as BuildKit reads it (moby's patternmatcher): `*` and `?` stay
    within one path segment, `**` crosses them, `!` lets a path back in, the last pattern that
    matches a path or one of its parent folders decides."""
    rules = []
    for line in (K8S / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((keep, re.compile(regex + r"\Z")))
    return rules


def sent_to_builder(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    sent = True
    for keep, rule in _ignore_rules():
        if any(rule.match(candidate) for candidate in candidates):
            sent = keep
    return sent


def copies(stage: Stage) -> list[tuple[list[str], str, list[str]]]:
    """Each COPY from the build context: its flags, its sources, its destination."""
    found = []
    for word, rest in stage.instructions:
        if word == "COPY":
            words = shlex.split(rest)
            flags = [w for w in words if w.startswith("--")]
            if not any(f.startswith("--from") for f in flags):
                paths = [w for w in words if not w.startswith("--")]
                found.append((flags, paths[:-1], paths[-1]))
    return found


def _sources(source: str) -> list[tuple[Path, Path]]:
    """(what the COPY source matched, a file in it) for each file of the checkout the source
    names and the builder is sent."""
    found = []
    for match in sorted(KIT.glob(source.rstrip("/"))):
        inside = ([p for p in sorted(match.rglob("*")) if p.is_file()] if match.is_dir()
                  else [match])
        found += [(match, p) for p in inside if sent_to_builder(p.relative_to(KIT).as_posix())]
    return found


def _landing(match: Path, path: Path, destination: str) -> str:
    """Where COPY puts `path`: a folder's contents go under the destination, a file into a
    destination ending in "/" or as the destination itself."""
    if match.is_dir():
        return f"{destination.rstrip('/')}/{path.relative_to(match).as_posix()}"
    return destination + path.name if destination.endswith("/") else destination


def image_files(stage_name: str) -> dict[str, Path]:
    """Where each file of the checkout lands in the image `stage_name` (its own COPY lines and
    those of the stages it is built FROM), after the ignore file."""
    _, stages = dockerfile()
    files = {}
    for stage in _lineage(stages, stage_name):
        for _, sources, destination in copies(stage):
            for source in sources:
                for match, path in _sources(source):
                    files[_landing(match, path, destination)] = path
    return files


def test_the_images_are_built_on_a_pinned_docker_stacks_image():
    arguments, stages = dockerfile()
    base = arguments["BASE_IMAGE"]
    name, _, tag = base.rpartition(":")
    assert name == "quay.io/jupyter/minimal-notebook"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tag), "pin the base by its date tag, not latest"
    assert {stage.parent for stage in stages.values()} - set(stages) == {"${BASE_IMAGE}"}
    assert {"singleuser", "course"} <= set(stages)


def test_every_pip_install_names_extras_the_kit_defines_and_the_hubs_jupyterhub():
    pyproject = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))
    defined = set(pyproject["project"]["optional-dependencies"])
    hub_needs = next(Requirement(r) for r in pyproject["project"]["optional-dependencies"]["hub"]
                     if Requirement(r).name == "jupyterhub")
    _, stages = dockerfile()
    installs = 0
    for stage in stages.values():
        arguments = {}
        for word, rest in stage.instructions:
            if word == "ARG":
                name, _, default = rest.partition("=")
                arguments[name] = default
            if word != "RUN" or "pip install" not in rest:
                continue
            installs += 1
            command = rest.split("&&")[0]
            for name, value in arguments.items():
                command = command.replace("${%s}" % name, value)
            packages = [w for w in shlex.split(command)[2:] if not w.startswith("-")]
            kit = [p for p in packages if "[" in p and p.startswith("/")]
            assert len(kit) == 1, packages
            path, extras = re.fullmatch(r"(.+)\[(.+)\]", kit[0]).groups()
            assert set(extras.split(",")) == {"lab", "hub"} <= defined
            copied = {target for _, sources, target in copies(stage)
                      for source in sources if source == "pyproject.toml"}
            assert copied and all(t.rstrip("/") == path for t in copied)
            pins = [Requirement(p) for p in packages if p.startswith("jupyterhub")]
            assert [str(p.specifier) for p in pins] == [f"=={SOURCE['app_version']}"]
            assert hub_needs.specifier.contains(SOURCE["app_version"])
    assert installs == 1


def test_every_path_the_dockerfile_copies_exists_and_reaches_the_builder():
    _, stages = dockerfile()
    for stage in stages.values():
        for _, sources, _ in copies(stage):
            for source in sources:
                matches = sorted(KIT.glob(source.rstrip("/")))
                assert matches, f"{stage.name}: COPY {source}: nothing in the checkout"
                assert any(sent_to_builder(m.relative_to(KIT).as_posix()) for m in matches), (
                    f"{stage.name}: COPY {source}: left out by Dockerfile.dockerignore")
    assert not sent_to_builder(".venv/bin/python")
    assert not sent_to_builder("minichain/__pycache__/cli.cpython-311.pyc")
    assert not sent_to_builder("site/index.html")


def test_the_trainees_image_never_carries_the_exercises_sources():
    """The sources hold the solutions and the hidden tests: a trainee who opens a terminal in
    her pod must not find them. The course service's image needs them to grade."""
    trainee = image_files("singleuser")
    assert not [path for path in trainee.values()
                if path.relative_to(KIT).as_posix().startswith(SOURCES_OF_EXERCISES)]
    released = sorted(p.name for p in (KIT / "exercises").glob("*.ipynb"))
    assert sorted(PurePosixPath(t).name for t in trainee
                  if t.startswith("/opt/minichain/exercises/") and "zh_CN" not in t) == released

    course = image_files("course")
    exercises = _environment()["MINICHAIN_COURSE_EXERCISES"]
    graded = sorted(PurePosixPath(t).name for t in course if t.startswith(exercises + "/source/"))
    assert graded == released


def test_the_trainees_image_carries_every_lesson_and_nothing_of_the_tests():
    trainee = image_files("singleuser")
    carried = {path for path in trainee.values()}
    lessons = {p for p in (KIT / "lessons").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    assert lessons - carried == {KIT / "lessons" / "conftest.py"}


def test_a_new_home_gets_the_lessons_once_and_keeps_her_own_copy(tmp_path):
    """The image's files laid out here; then the pod's postStart hook, as values.yaml runs it,
    on Anna's empty volume, on her next start after she edited a lesson, and after a copy cut
    short by a stopped pod."""
    root = tmp_path / "image"
    for target, path in image_files("singleuser").items():
        (root / target.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / target.lstrip("/"))
    (hook,) = VALUES["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    program = root / "usr" / "local" / "bin" / hook
    home = tmp_path / "home" / "jovyan"
    home.mkdir(parents=True)

    def start(language: str = "en") -> None:
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "MINICHAIN_LANG": language,
               "MINICHAIN_KIT": str(root / "opt" / "minichain")}
        subprocess.run(["sh", str(program)], env=env, check=True, cwd=home)

    start()
    lessons = sorted(p.relative_to(KIT / "lessons") for p in (KIT / "lessons").rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in p.parts)
    assert sorted(p.relative_to(home / "lessons") for p in (home / "lessons").rglob("*")
                  if p.is_file()) == lessons

    mine = home / "lessons" / "00-start-here.ipynb"
    mine.write_text('{"cells": [], "note": "Anna\'s own"}', encoding="utf-8")
    start()
    assert "Anna's own" in mine.read_text(encoding="utf-8")

    shutil.rmtree(home / "lessons")
    (home / ".lessons.partial").mkdir()
    (home / ".lessons.partial" / "half.ipynb").write_text("{", encoding="utf-8")
    start()
    assert not (home / ".lessons.partial").exists()
    assert not (home / "lessons" / "half.ipynb").exists()
    assert (home / "lessons" / "00-start-here.ipynb").exists()


def test_the_chinese_edition_opens_jupyterlab_in_chinese_until_she_chooses_otherwise(tmp_path):
    """With MINICHAIN_LANG=zh_CN the hook writes the setting JupyterLab's own settings code
    reads as the interface's locale; a choice she made later is never overwritten."""
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import get_settings

    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "MINICHAIN_KIT": str(tmp_path / "kit"),
           "MINICHAIN_LANG": "zh_CN"}
    (tmp_path / "kit" / "lessons").mkdir(parents=True)
    run = ["sh", str(K8S / "new-home.sh")]
    subprocess.run(run, env=env, check=True)

    app = Path(get_app_dir())
    user_settings = home / ".jupyter" / "lab" / "user-settings"

    def locale() -> str:
        found, _ = get_settings(str(app / "settings"), str(app / "schemas"), str(user_settings),
                                "@jupyterlab/translation-extension:plugin")
        return found["settings"]["locale"]

    assert locale() == "zh_CN"
    setting = (user_settings / "@jupyterlab" / "translation-extension"
               / "plugin.jupyterlab-settings")
    setting.write_text('{"locale": "en"}', encoding="utf-8")
    subprocess.run(run, env=env, check=True)
    assert locale() == "en"

    english = tmp_path / "english"
    english.mkdir()
    subprocess.run(run, env={**env, "HOME": str(english), "MINICHAIN_LANG": "en"}, check=True)
    assert not (english / ".jupyter").exists()
