"""Activity: the timeline of every record (notes, activities, attachments)."""

name = "activity"
label = {"zh_CN": "动态", "en": "Activity"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "任意记录的时间线：备注、跟进活动（电话、拜访、会议、待办）、附件与变更记录",
    "en": "A timeline on every record: notes, activities (calls, visits, meetings, tasks), "
          "attachments and the change history",
}
