"""Chinese all the way through: every page each demo role reaches, walked link by link, shows no role ids,
no parameter keys and no English in its visible text (file names and kinds of file aside)."""
import json
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from library import ROOT
from lxml import html

ROLE_IDS = ("front_desk", "cs_supervisor", "manager", "engineering", "security", "cleaning", "quality", "hq",
            "resident")
USERS = ("frontdesk1", "supervisor1", "manager1", "engineer1", "security1", "cleaner1", "quality1", "hq", "owner",
         "admin")
SKIP = ("/logout", "/static/", "/diagram/", "/attachments/", "files.json", "lang=", "/health", "download=")
MAX_PAGES = 45  # per person: every kind of page is reached well before this
FILE_NAME = re.compile(r"[\w.-]+\.(bpmn|dmn|json|png|jpe?g|pdf)\b")
ALLOWED = {"English", "PDF", "JPEG", "PNG", "GIF", "WebP", "Excel", "CSV", "xlsx", "MB", "KB", "BPMN", "DMN", "JSON", "LED",
           "APP",  # 网络/APP: how residents say it
           "bpmn", "dmn", "json",  # the kinds of file the modeler takes, as their names end
           "Redis",  # the operations page names the component it watches
           "guard_zhao"}  # an account name typed into a demo complaint (被投诉人员(账号)); no user has it


def parameter_keys() -> set[str]:
    keys = set()
    for manifest in (ROOT / "processes").glob("*/manifest.json"):
        keys |= set(json.loads(manifest.read_text()).get("parameters", {}))
    return keys


def visible_text(page: str) -> str:
    tree = html.fromstring(page)
    # sign-in names on the staff page are what people type to sign in (and flash messages naming them)
    for node in tree.xpath("//script|//style|//template|//*[contains(@class, 'account')]"):
        node.drop_tree()
    body = tree.find("body")
    parts = [body.text_content() if body is not None else ""]
    parts += tree.xpath("//@placeholder")
    return " ".join(parts)


def leaks(text: str, keys: set[str]) -> list[str]:
    text = FILE_NAME.sub(" ", text)
    found = [f"role id {r}" for r in ROLE_IDS if re.search(rf"(?<![\w]){r}(?![\w])", text)]
    found += [f"parameter key {k}" for k in sorted(keys) if k in text]
    words = {w for w in re.findall(r"(?<![\w])[A-Za-z][A-Za-z_']{2,}(?![\d])", text) if w not in ALLOWED}
    found += [f"English “{w}”" for w in sorted(words)]
    return found


@pytest.fixture
def demo_app(web_config, session_factory, fast_hashing):
    from cli.demo import seed, seed_people_and_cases
    from webapp import create_app

    with session_factory() as s:
        seed(s, ROOT / "processes")
        seed_people_and_cases(s)
        s.commit()
    app = create_app(web_config)
    yield app
    app.extensions["pflow_engine"].dispose()


def walk(client, start: str = "/"):
    """(path, page) of every page reachable from ``start`` by same-site links, breadth first, at most MAX_PAGES."""
    seen, queue = {start}, deque([start])
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        yield path, page
        for href in html.fromstring(page).xpath("//a/@href"):
            url = urlsplit(href)
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc or not url.path.startswith("/") or any(s in target for s in SKIP) or target in seen:
                continue
            seen.add(target)
            queue.append(target)


@pytest.mark.parametrize("user", USERS)
def test_no_english_role_ids_or_parameter_keys_on_any_page(demo_app, user):
    from cli.demo import DEMO_PASSWORD

    client = demo_app.test_client()
    assert client.post("/login", data={"username": user, "password": DEMO_PASSWORD}).status_code == 302
    keys, problems, pages = parameter_keys(), [], 0
    for path, page in walk(client):
        pages += 1
        problems += [f"{path}: {leak}" for leak in leaks(visible_text(page), keys)]
    assert pages > 3
    assert not problems, "\n".join(problems)


def test_a_case_is_called_gongdan_in_every_text_people_read():
    """Words as the trade says them: a case is 工单 on the pages, in mail, in the forms and diagrams, on the record
    sheets and in the modeler — never 案件."""
    texts = [ROOT / "webapp" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"]
    for folder, pattern in (("webapp/templates", "**/*.html"), ("engine", "**/*.py"), ("forms", "*.json"),
                            ("processes", "**/*.*"), ("frontend/src", "**/*.js"), ("cli", "*.py")):
        texts += sorted((ROOT / folder).glob(pattern))
    found = [f"{path.relative_to(ROOT)}:{n}" for path in texts if path.suffix != ".md"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "案件" in line]
    assert not found, "\n".join(found)
