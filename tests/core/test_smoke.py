from __future__ import annotations


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.text or "Log in" in response.text


def test_home_requires_login(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_admin_sees_the_user_list(client, admin):
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "管理员" in response.text
