"""The first published privacy policy (version 2026-12), so sign-up and the banner have a
version to point at. Operators publish later versions in the admin."""
from django.db import migrations

TEXT_EN = """Who we are
Cocreate runs this community of reviews, co-creation challenges and free trials. This policy says what personal data we keep, why, for how long, and what you can do about it.

What we keep and why
- Account: your e-mail address and password (stored only as a hash), display name, avatar and time zone. Needed to run your account.
- What you post: reviews, photos, challenge entries, comments and votes. Shown under your display name, never your e-mail address. Photo location data is removed.
- Screening: automatic detectors and moderators check posts for spam, ads, contact details and abuse. Phone numbers, ID numbers and contact handles are masked for moderators.
- Points, levels and badges: what you do earns points; fraud checks may reverse them.
- Sign-in history: time and browser family of each sign-in, and a hashed network prefix, for account security.
- Trial shipping details: only if you apply for a free trial and agree for that trial.

What you choose
E-mail notifications, marketing from brands, a public profile page, and sharing shipping details with a trial's brand are optional. You can turn each on or off in one tap under My account > Consents; withdrawing is as easy as giving.

Who sees it
Brands never see your e-mail address or contact details. A brand sees the shipping name, phone and address of a trial only if you agreed for that trial and were selected, and only until 30 days after the trial ends. Each time staff reveal a personal detail, they must give a reason and it is listed for you under Staff access.

How long we keep it
Sign-in history 180 days; trial shipping details until the trial's report deadline plus 30 days; the text and photos of rejected posts 180 days (the decision itself is kept); data exports 7 days; fraud and integrity signals 90 days.

Automated decisions
Some decisions are made by software: rejecting a post with a clear violation, holding a post for a person to check, not counting a vote, reversing points. You are always told the reason in plain words and can ask a person to review it through the appeal link.

Your rights
You can see, download and delete your data, withdraw consent, and ask for a human review of automated decisions, from My account > Privacy.
"""

TEXT_ZH = """我们是谁
共创（Cocreate）运营本社区，包括测评、产品共创挑战和免费试用。本政策说明我们保存哪些个人信息、用途、保存期限以及你可以做什么。

我们保存什么、为什么
- 账号：电子邮箱和密码（只保存哈希）、昵称、头像和时区。运行账号所必需。
- 你发布的内容：测评、照片、挑战作品、评论和投票。以昵称展示，绝不展示邮箱。照片中的位置信息会被删除。
- 审核：自动检测和审核员会检查内容中的垃圾信息、广告、联系方式和违规内容。手机号、身份证号和联系方式对审核员均为遮挡显示。
- 积分、等级和徽章：你的行为会获得积分；反作弊检查可能撤回积分。
- 登录记录：每次登录的时间、浏览器类型和经过哈希处理的网络段，用于账号安全。
- 试用收货信息：仅当你申请免费试用并针对该试用同意时保存。

你可以选择的
邮件通知、品牌营销信息、公开个人主页、向试用品牌提供收货信息均为可选项。你可以在"我的账号 > 同意管理"中一键开启或关闭；撤回与给予同样方便。

谁能看到
品牌永远看不到你的邮箱或联系方式。只有你针对某次试用同意并被选中后，该品牌才能看到收货人姓名、电话和地址，且仅保留到试用结束后 30 天。工作人员每次查看你的个人信息都必须说明理由，并会在"工作人员访问记录"中向你展示。

保存多久
登录记录 180 天；试用收货信息保存至试用报告截止日后 30 天；被拒绝内容的文字和照片 180 天（保留审核决定本身）；数据导出文件 7 天；反作弊信号 90 天。

自动化决策
部分决定由系统自动做出：拒绝明显违规的内容、暂缓发布等待人工检查、不计入某张投票、撤回积分。我们会用通俗的话告诉你原因，你可以通过申诉链接请求人工复核。

你的权利
你可以在"我的账号 > 隐私"中查看、下载和删除你的数据，撤回同意，并对自动化决策请求人工复核。
"""


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    PolicyVersion.objects.get_or_create(
        version="2026-12",
        defaults={"text_en": TEXT_EN, "text_zh": TEXT_ZH, "changes_en": "First published version.",
                  "changes_zh": "首次发布。"},
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
