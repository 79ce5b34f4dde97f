"""The ten default categories of PRODUCT.md, shared by the data migration and `jishi demo --rebuild`."""

DEFAULTS = [
    ("meeting", "会议"), ("research", "调研"), ("documents", "办文"), ("service", "办事服务"),
    ("visitors", "接待来访"), ("inspection", "督查检查"), ("training", "学习培训"), ("official_trip", "外出公务"),
    ("duty_shift", "值班"), ("other", "其他"),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("records", "Category")
    for order, (code, name) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
