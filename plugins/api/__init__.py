"""REST/JSON API for every model a plugin exposes, with OpenAPI and webhooks."""

name = "api"
label = {"zh_CN": "开放接口", "en": "API"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "所有业务对象的 REST/JSON 接口（令牌认证，与页面相同的权限），OpenAPI 文档与 Webhook 推送",
    "en": "A REST/JSON API for every model (token authentication, the same permissions as the pages), "
          "an OpenAPI document and outgoing webhooks",
}
