from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (`jishi demo`): it builds through every app, so it sits above all of them."""

    name = "jishi.demo"
    label = "demo"
    verbose_name = "演示数据"
