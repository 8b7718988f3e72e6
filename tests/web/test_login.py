"""Login, logout, first run and roles, as a user in a (simulated) browser sees them."""
from __future__ import annotations

from sqlalchemy import select

from core.models import Event, User
from pages.frame import safe_next
from tests.web.conftest import PASSWORD


def test_after_login_only_local_paths_are_followed():
    assert safe_next("/ankauf/12?x=1") == "/ankauf/12?x=1"
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None):
        assert safe_next(target) == "/"


async def test_first_run_creates_the_admin_and_logs_in(web):
    user = web.new_user()
    await user.open("/")  # no user yet: / -> /login -> /einrichtung
    await user.should_see(marker="setup-submit")
    user.find(marker="setup-username").clear().type("chefin")
    user.find(marker="setup-display-name").type("Chefin Berger")
    user.find(marker="setup-password").type("lang-genug-123")
    user.find(marker="setup-password-repeat").type("lang-genug-123")
    user.find(marker="setup-submit").click()
    await user.should_see(marker="current-user", retries=50)
    await user.should_see("Chefin Berger")
    await user.should_see(marker="nav-einstellungen")
    with web.db.session() as session:
        admin = session.scalar(select(User).where(User.username == "chefin"))
        assert admin.role == "admin"
        assert admin.password_hash.startswith("$argon2")


async def test_first_run_refuses_short_password_and_mismatch(web):
    user = web.new_user()
    await user.open("/einrichtung")
    user.find(marker="setup-password").type("kurz")
    user.find(marker="setup-password-repeat").type("kurz")
    user.find(marker="setup-submit").click()
    await user.should_see("mindestens 10 Zeichen", retries=20)
    user.find(marker="setup-password-repeat").clear().type("anders-als-oben")
    user.find(marker="setup-submit").click()
    await user.should_see("stimmen nicht überein")
    with web.db.session() as session:
        assert session.scalar(select(User)) is None


async def test_first_run_page_is_gone_once_a_user_exists(web):
    web.add_user("anna", "service")
    user = web.new_user()
    await user.open("/einrichtung")
    await user.should_see(marker="login-submit")
    await user.should_not_see(marker="setup-submit")


async def test_login_wrong_password_shows_german_error_and_is_recorded(web):
    web.add_user("anna", "service")
    user = web.new_user()
    await user.open("/login")
    user.find(marker="login-username").type("anna")
    user.find(marker="login-password").type("falsch-falsch")
    user.find(marker="login-submit").click()
    await user.should_see("Benutzername oder Passwort ist falsch.", retries=50)
    with web.db.session() as session:
        kinds = list(session.scalars(select(Event.kind)))
    assert "login_failed" in kinds


async def test_login_then_logout(web):
    web.add_user("anna", "service")
    user = await web.login("anna")
    await user.should_see(marker="current-user")
    await user.should_see("Anna")
    user.find(marker="logout").click()
    await user.should_see(marker="login-submit")
    await user.open("/ankauf")  # protected again
    await user.should_see(marker="login-submit")


async def test_protected_page_redirects_to_login_and_back(web):
    web.add_user("anna", "service")
    user = web.new_user()
    await user.open("/postausgang")
    await user.should_see(marker="login-submit")
    user.find(marker="login-username").type("anna")
    user.find(marker="login-password").type(PASSWORD)
    user.find(marker="login-submit").click()
    await user.should_see(marker="outbox-table", retries=50)


async def test_roles_hide_and_deny_admin_pages(web):
    web.add_user("sven", "sales")
    user = await web.login("sven")
    await user.should_not_see(marker="nav-einstellungen")
    await user.should_not_see(marker="nav-benutzer")
    await user.should_see(marker="nav-postausgang")  # the outbox of the own mails
    response = await user.http_client.get("/einstellungen")
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.text
    assert "settings-save" not in response.text


async def test_admin_sees_everything(web):
    web.add_user("root", "admin")
    user = await web.login("root")
    for marker in ("nav-home", "nav-ankauf", "nav-vorlagen", "nav-postausgang",
                   "nav-dev-postfach", "nav-einstellungen"):
        await user.should_see(marker=marker)


async def test_deactivated_user_is_logged_out(web):
    web.add_user("anna", "service")
    user = await web.login("anna")
    with web.db.session(write=True) as session:
        session.scalar(select(User).where(User.username == "anna")).active = False
    await user.open("/ankauf")
    await user.should_see(marker="login-submit")
