"""Fictional catalog and generated pictures shared by ``manage.py demo`` and ``manage.py seed``,
and the demo's co-creation content (badges, challenges, a poll, trial programs).

Everything here is invented: brand names, products and review texts. Review
texts avoid contact details and absolute claims (最 / 第一 / 国家级), so the
moderation pipeline publishes them rather than holding them.
"""
import colorsys
import io

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from community.models import (
    BRAND_STAFF_GROUP,
    MODERATORS_GROUP,
    AspectTag,
    Brand,
    Category,
)
from gamification import badges as badge_registry
from gamification.models import Reward
from gamification.rewards import reward_codes_add

BRANDS = [
    # slug, name, hue for generated pictures
    ("lumi", "Lumi 露米", 0.93),
    ("qingshan", "Qingshan 青山", 0.36),
    ("mochi", "Mochi 麻薯", 0.10),
]

COMMON_TAGS = [
    ("quality", "质量好", "Good quality"),
    ("value", "性价比高", "Good value"),
    ("delivery", "物流快", "Fast delivery"),
    ("looks", "外观好看", "Looks good"),
]

CATEGORIES = {
    # slug: (name_zh, name_en, specific positive tags, negative tag)
    "beauty": ("美妆护肤", "Beauty & skincare",
               [("gentle", "温和不刺激", "Gentle on skin"), ("moisturising", "保湿效果好", "Moisturising")],
               ("greasy", "有点油腻", "A bit greasy")),
    "tea": ("茶饮", "Tea",
            [("fragrant", "香气好", "Fragrant"), ("aftertaste", "回甘明显", "Sweet aftertaste")],
            ("weak-aroma", "香气偏淡", "Weak aroma")),
    "snacks": ("零食", "Snacks",
               [("tasty", "好吃", "Tasty"), ("not-too-sweet", "甜度刚好", "Not too sweet")],
               ("too-sweet", "偏甜", "Too sweet")),
    "home": ("家居", "Home",
             [("well-made", "做工精细", "Well made"), ("portable", "便携", "Portable")],
             ("flimsy", "做工一般", "Flimsy")),
}

# slug, brand, category, name_zh, name_en, description_zh, description_en
PRODUCTS = [
    ("lumi-amino-cleanser", "lumi", "beauty", "露米 氨基酸洁面乳", "Lumi Amino Acid Cleanser",
     "弱酸性氨基酸配方，泡沫细腻，洗后不紧绷，适合早晚使用。",
     "A mild amino-acid cleanser with a fine lather that leaves skin soft, not tight. For morning and night."),
    ("lumi-hydrating-serum", "lumi", "beauty", "露米 玻尿酸保湿精华", "Lumi Hyaluronic Hydrating Serum",
     "三重分子玻尿酸，质地清爽好吸收，干皮和混合皮都能用。",
     "Three sizes of hyaluronic acid in a light, fast-absorbing serum for dry and combination skin."),
    ("lumi-sunscreen-spf50", "lumi", "beauty", "露米 轻薄防晒乳 SPF50+", "Lumi Featherlight Sunscreen SPF50+",
     "轻薄水感，不泛白，通勤和户外都适用。",
     "A watery, featherlight sunscreen with no white cast, for the commute and the outdoors."),
    ("lumi-velvet-lipstick", "lumi", "beauty", "露米 丝绒哑光口红", "Lumi Velvet Matte Lipstick",
     "丝绒雾面质地，显色持久，六个日常色号。",
     "A velvet matte finish with rich, lasting colour, in six everyday shades."),
    ("lumi-cushion-foundation", "lumi", "beauty", "露米 水光气垫粉底", "Lumi Dewy Cushion Foundation",
     "轻薄服帖，自然水光肌，附替换装。",
     "A light, skin-like cushion for a natural dewy finish; refill included."),
    ("qingshan-longjing", "qingshan", "tea", "青山 明前龙井", "Qingshan Pre-Qingming Longjing",
     "明前采摘的西湖产区龙井，豆香清新，罐装250克。",
     "Longjing green tea picked before Qingming, with a fresh, nutty aroma. 250 g tin."),
    ("qingshan-white-tea-cake", "qingshan", "tea", "青山 福鼎白茶饼", "Qingshan Fuding White Tea Cake",
     "三年陈白茶饼，枣香蜜韵，可煮可泡。",
     "A three-year-aged white tea cake with notes of dates and honey; brew or simmer."),
    ("qingshan-cold-brew", "qingshan", "tea", "青山 冷泡茶包", "Qingshan Cold Brew Tea Bags",
     "冷水四小时出汤，乌龙、茉莉、白桃三种口味混装。",
     "Ready in cold water in four hours: oolong, jasmine and white peach in one box."),
    ("qingshan-travel-tea-set", "qingshan", "home", "青山 陶瓷旅行茶具", "Qingshan Ceramic Travel Tea Set",
     "一壶两杯，收纳包便携，出差露营都能用。",
     "One pot and two cups in a padded pouch, for business trips and camping."),
    ("mochi-matcha-daifuku", "mochi", "snacks", "麻薯 抹茶大福", "Mochi Matcha Daifuku",
     "宇治抹茶奶油内馅，软糯拉丝，冷藏口感更好。",
     "Soft, stretchy daifuku filled with Uji matcha cream; best chilled."),
    ("mochi-cheese-lava", "mochi", "snacks", "麻薯 芝士流心麻薯", "Mochi Cheese Lava Mochi",
     "芝士流心，外皮软糯，微波十秒更好吃。",
     "A soft mochi shell with a molten cheese centre; ten seconds in the microwave makes it better."),
    ("mochi-nut-granola", "mochi", "snacks", "麻薯 低糖坚果麦片", "Mochi Low-Sugar Nut Granola",
     "六种坚果和燕麦烘烤，低糖配方，早餐搭配酸奶。",
     "Oats baked with six kinds of nuts, low in sugar; great with yoghurt for breakfast."),
]

# Short review texts in both languages; none contains contact details or absolute claims.
REVIEW_TEXTS_ZH = [
    "用了两周，整体很满意，会回购。",
    "包装很用心，物流也快，第二天就到了。",
    "质地清爽，夏天用正合适。",
    "性价比不错，和专柜的差不多。",
    "味道刚刚好，家里小朋友也喜欢。",
    "颜色比图片稍深一点，但是很耐看。",
    "做工还可以，细节处理得不错。",
    "香气很自然，冲泡三次还有味道。",
    "一般般吧，没有想象中那么好。",
    "送给妈妈的，她说很好用。",
]
REVIEW_TEXTS_EN = [
    "Two weeks in and I'm happy with it. Will buy again.",
    "Nicely packed and it arrived the next day.",
    "Light texture, perfect for summer.",
    "Good value for the price.",
    "Tastes great, my kids love it too.",
    "A bit darker than the photos but it grows on you.",
    "Decent build, the details are well finished.",
    "It's okay, not as good as I hoped.",
]


def hsv(h, s, v):
    return tuple(int(c * 255) for c in colorsys.hsv_to_rgb(h % 1.0, s, v))


def picture_bytes(*, hue, label="", size=(800, 800), variant=0, fmt="JPEG"):
    """A simple generated picture: a diagonal gradient, a soft shape and a short label."""
    w, h = size
    top, bottom = hsv(hue, 0.25, 0.98), hsv(hue + 0.06, 0.65, 0.75)
    # Build the gradient as a 1-pixel-wide strip and stretch it: fast at any size.
    strip = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        strip.putpixel((0, y), tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    # Rotate an oversized gradient and crop the middle, so no empty corners show.
    side = int(max(w, h) * 1.5)
    big = strip.resize((side, side)).rotate(-20 + 10 * (variant % 5), resample=Image.BILINEAR)
    left, upper = (side - w) // 2, (side - h) // 2
    img = big.crop((left, upper, left + w, upper + h))
    draw = ImageDraw.Draw(img)
    shape = hsv(hue + 0.5, 0.35, 0.95)
    cx, cy, r = w // 2, h // 2, min(w, h) // 4
    if variant % 3 == 0:
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=shape)
    elif variant % 3 == 1:
        draw.rounded_rectangle((cx - r, cy - int(r * 1.4), cx + r, cy + int(r * 1.4)), radius=r // 3, fill=shape)
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=shape)
    if label:
        size = max(16, min(w, h) // 10)
        while True:  # shrink the label until it fits the picture
            font = ImageFont.load_default(size=size)
            box = draw.textbbox((0, 0), label, font=font)
            tw, th = box[2] - box[0], box[3] - box[1]
            if tw <= w * 0.9 or size <= 12:
                break
            size -= 4
        draw.text(((w - tw) / 2, h - th * 2.2), label, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    img.save(out, format=fmt, quality=82)
    return out.getvalue()


def picture_file(name, **kwargs):
    return ContentFile(picture_bytes(**kwargs), name=name)


def groups_ensure():
    """The two staff groups with the permissions brand staff need in the admin."""
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    brand_staff, _ = Group.objects.get_or_create(name=BRAND_STAFF_GROUP)
    wanted = [
        ("product", "add"), ("product", "change"), ("product", "view"),
        ("productimage", "add"), ("productimage", "change"), ("productimage", "view"),
        ("brand", "view"), ("review", "view"),
        ("challenge", "add"), ("challenge", "change"), ("challenge", "view"),
        ("entry", "change"), ("entry", "view"), ("entrycomment", "view"),
        ("polloption", "add"), ("polloption", "change"), ("polloption", "delete"), ("polloption", "view"),
        ("trialprogram", "add"), ("trialprogram", "change"), ("trialprogram", "view"),
        ("trialapplication", "change"), ("trialapplication", "view"),
    ]
    perms = [
        Permission.objects.get(content_type__model=model, codename=f"{action}_{model}")
        for model, action in wanted
    ]
    brand_staff.permissions.add(*perms)  # add() skips what is already there
    return moderators, brand_staff


def catalog_ensure():
    """Brands, categories and aspect tags; returns ``(brands_by_slug, categories_by_slug)``. Idempotent."""
    brands = {}
    for slug, name, _hue in BRANDS:
        brands[slug], _ = Brand.objects.update_or_create(slug=slug, defaults={"name": name})
    categories = {}
    for slug, (zh, en, specific, negative) in CATEGORIES.items():
        cat, _ = Category.objects.update_or_create(slug=slug, defaults={"name_zh": zh, "name_en": en})
        categories[slug] = cat
        rows = [(s, z, e, False) for s, z, e in COMMON_TAGS + specific] + [(*negative, True)]
        for position, (tag_slug, tag_zh, tag_en, is_negative) in enumerate(rows):
            AspectTag.objects.update_or_create(
                category=cat,
                slug=tag_slug,
                defaults={"label_zh": tag_zh, "label_en": tag_en, "negative": is_negative, "position": position},
            )
    return brands, categories


def brand_hue(brand_slug):
    return next((hue for slug, _name, hue in BRANDS if slug == brand_slug), 0.6)


# --- Co-creation: badges, challenges, a poll and trials --------------------------------------------
# Authors and voters are the keys of ``manage.py demo``'s PEOPLE; products are PRODUCTS slugs.
# Schedules are days relative to the moment the demo runs: (entries open, entries close,
# voting closes, results). Texts avoid contact details and absolute claims, like the reviews.

BADGES = [
    # slug, name_zh, name_en, description_zh, description_en, emoji, tier, criterion, params
    ("cocreate-winner", "共创之星", "Co-creation star", "在品牌挑战中获胜", "Won a brand challenge",
     "🏆", "gold", "challenge_winner", {"n": 1}),
    ("idea-adopted", "金点子", "Bright idea", "点子被品牌采纳", "Had an idea adopted by a brand",
     "💡", "silver", "idea_adopted", {"n": 1}),
]

# An idea challenge of the brand staff's brand, open for entries, with voting allowed while open.
IDEA_CHALLENGE = {
    "brand": "lumi",
    "kind": "idea",
    "products": ["lumi-sunscreen-spf50"],
    "title_zh": "露米夏日共创：你想要什么样的防晒？",
    "title_en": "Co-create Lumi's summer sun care: what would you make?",
    "brief_zh": "明年夏天的新品由你来出主意：质地、包装、容量、使用场景都可以。"
                "点子被采纳的作者会收到品牌的回复和 500 积分。",
    "brief_en": "Tell us what next summer's sun care should be: texture, packaging, size, when you'd use it. "
                "Authors of adopted ideas hear back from the brand and earn 500 points.",
    "hashtag": "露米夏日共创",
    "rules_zh": "每人提交 1 个点子；每人 3 票，可以投给不同的点子（不能投给自己）。",
    "rules_en": "One idea per person; 3 votes each, for different ideas (not your own).",
    "days": (-3, 11, 18, 21),
    "allow_overlap": True,  # votes count from day one, so early ideas get feedback
    "votes_per_user": 3,
    "entries": [
        # author, text, picture labels (generated images sent with the entry)
        ("xiaomei", "做一支防晒棒吧！口红大小，放包里随时补涂，不用弄脏手。希望是透明膏体，"
                    "叠在底妆上也不搓泥，出门补涂十秒搞定。", ["SPF stick"]),
        ("alex", "A sunscreen mist for the scalp and hair parting. I burn there every summer and lotion "
                 "makes my hair greasy. A fine spray that dries in seconds would be perfect.", []),
        ("lin", "学生党需要小容量！30ml 旅行装，军训和露营带着方便，价格也更友好。"
                "可以三支装一盒，和室友分着用。", []),
        ("yuki", "瓶身贴一张紫外线感应贴，太阳强的时候变成紫色，提醒该补涂了。"
                 "A UV-sensitive sticker on the bottle that turns purple in strong sun: a reminder to reapply.",
         ["UV reminder", "Turns purple"]),
        ("chen", "给中老年人做一款大字标签、按压泵头的防晒。我妈说现在的小管子拧不开，字也看不清，"
                 "出门买菜也想涂一点。", []),
    ],
    # voter, author of the entry voted for
    "votes": [("sam", "xiaomei"), ("sam", "yuki"), ("alex", "xiaomei"), ("chen", "xiaomei"),
              ("chen", "lin"), ("xiaomei", "yuki"), ("lin", "chen")],
    # commenter, author of the entry, text
    "comments": [
        ("sam", "xiaomei", "Yes please! I'd keep one in my gym bag and one at the office."),
        ("chen", "yuki", "这个好，我老是忘了补涂，变色就知道该涂了。"),
    ],
}

# A single-choice poll with three options, in voting.
POLL_CHALLENGE = {
    "brand": "mochi",
    "kind": "poll",
    "products": ["mochi-matcha-daifuku"],
    "title_zh": "下一款大福口味，你来投！",
    "title_en": "Vote for the next Mochi daifuku flavour",
    "brief_zh": "抹茶大福之后，我们做了三款新口味的试做品。得票最多的口味会在秋天上市。每人一票。",
    "brief_en": "After matcha, our kitchen made three new flavours. The one with the most votes launches "
                "this autumn. One vote each.",
    "hashtag": "麻薯新口味",
    "days": (-6, -1, 6, 7),
    "votes_per_user": 1,
    "options": [
        # label_zh, label_en, description_zh, description_en, hue, picture label
        ("芒果椰奶", "Mango coconut", "芒果果肉配椰奶奶油，冷藏后口感像冰淇淋。",
         "Mango pieces in coconut cream; like ice cream when chilled.", 0.12, "Mango coconut"),
        ("樱花白桃", "Sakura white peach", "樱花粉外皮，白桃果酱内馅，清甜不腻。",
         "A pink sakura shell around white-peach jam; fresh, not cloying.", 0.95, "Sakura peach"),
        ("蓝莓酸奶", "Blueberry yoghurt", "酸奶奶油里裹着整颗蓝莓，酸甜口。",
         "Whole blueberries in yoghurt cream, sweet and tangy.", 0.64, "Blueberry yoghurt"),
    ],
    # voter, option (label_en)
    "votes": [("xiaomei", "Mango coconut"), ("lin", "Mango coconut"), ("sam", "Mango coconut"),
              ("yuki", "Sakura white peach"), ("alex", "Blueberry yoghurt")],
}

# A design challenge that is over: entries, votes, a winner, an adopted idea and a prize draw.
CLOSED_CHALLENGE = {
    "brand": "lumi",
    "kind": "design",
    "products": ["lumi-velvet-lipstick"],
    "title_zh": "设计丝绒口红的限定外壳",
    "title_en": "Design a limited-edition case for Lumi Velvet Lipstick",
    "brief_zh": "画出你心中的丝绒口红外壳：颜色、花纹、开合方式都可以。获胜作品会做成限定款。",
    "brief_en": "Show us the Velvet Lipstick case you would carry: colour, pattern, how it opens. "
                "The winning design becomes a limited edition.",
    "hashtag": "露米外壳设计",
    "days": (-30, -16, -9, -7),
    "votes_per_user": 3,
    "winner_badge_slug": "cocreate-winner",
    "prize_description_zh": "在所有作品已发布的参与者中抽取 2 位，各送丝绒口红全色号礼盒（6 支）。",
    "prize_description_en": "Two entrants with a published entry each win the full six-shade Velvet set.",
    "prize_draw": True,
    "prize_draw_winners": 2,
    "prize_odds": "2 份奖品，在所有作品已发布的参与者中抽取，每人最多中 1 次 / "
                  "2 prizes drawn among all eligible entrants, at most one each",
    "entries": [
        ("lin", "「月光」外壳：磨砂银白色，盖子上压一道弯月纹，合上时有一声轻轻的磁吸“咔嗒”。"
                "Moonlight: frosted silver with a crescent pressed into the cap and a soft magnetic click.",
         ["Moonlight case"]),
        ("yuki", "水墨牡丹缠绕整支外壳，玫瑰粉配一点金色，节日送礼很合适。"
                 "An ink-wash peony wrapped around the tube, rose with a touch of gold.", ["Ink peony"]),
        ("alex", "Make the case refillable: the bullet clicks out and refills come in paper tubes. "
                 "Less plastic, and I get to keep the case I like.", []),
        ("chen", "外壳做成防滑的细条纹，手干的时候也握得住；底部印上大字色号，不用翻过来找。", []),
    ],
    "votes": [("xiaomei", "lin"), ("sam", "lin"), ("chen", "lin"), ("xiaomei", "alex"),
              ("yuki", "alex"), ("sam", "yuki"), ("lin", "chen")],
    "winners": ["lin"],
    # author, what the brand will do (entry_adopt's note)
    "adopted": ("alex", "明年春季推出可替换内芯的丝绒口红，替换芯用纸管包装。"
                        "Refillable Velvet cases with paper-tube refills arrive next spring."),
}

# A trial taking applications now, of another brand's product.
OPEN_TRIAL = {
    "brand": "mochi",
    "product": "mochi-nut-granola",
    "title_zh": "麻薯低糖坚果麦片 20 份免费试用",
    "title_en": "Try Mochi Low-Sugar Nut Granola: 20 free bags",
    "description_zh": "免费寄出 20 袋 400 克装麦片，请在收到后两周内发布你的测评。",
    "description_en": "We send 20 bags (400 g) free; post your review within two weeks of receiving it.",
    "selection_criteria_zh": "优先选择写过零食评价、愿意发布带照片测评的用户。",
    "selection_criteria_en": "We favour shoppers who have reviewed snacks and will post photos.",
    "samples": 20,
    "days": (-2, 12, 40),  # applications open, applications close, report deadline
    "applications": [
        ("alex", "I eat granola every morning and I'm cutting sugar; I'd compare it with my usual brand "
                 "for two weeks, with photos."),
        ("sam", "健身后想找低糖的早餐，我会写一篇带照片的测评，配酸奶和牛奶两种吃法都试试。"),
        ("chen", "家里老人早餐想换成低糖的，我来试吃，会写清楚口感、甜度和泡软的时间。"),
    ],
}

# An earlier trial: applications closed, two testers selected and shipped, one report posted.
EARLIER_TRIAL = {
    "brand": "qingshan",
    "product": "qingshan-white-tea-cake",
    "title_zh": "青山福鼎白茶饼试用（2 饼）",
    "title_en": "Qingshan Fuding White Tea Cake trial (2 cakes)",
    "description_zh": "两位茶友免费试喝三年陈白茶饼，分享煮和泡的体验。",
    "description_en": "Two tea lovers try the three-year-aged cake and tell us how it brews and simmers.",
    "selection_criteria_zh": "喜欢喝茶、愿意写给新手看的详细测评。",
    "selection_criteria_en": "Tea lovers who will write a detailed review for beginners.",
    "samples": 2,
    "days": (-24, -10, 14),
    "applications": [
        ("xiaomei", "平时喜欢喝白茶，想对比煮和泡两种喝法，测评会附冲泡照片。"),
        ("lin", "宿舍里用小茶壶泡茶，想试试白茶饼撬起来方不方便，会写给新手看的测评。"),
        ("alex", "I've only had green tea so far and would love to try an aged white tea, and describe it "
                 "for other beginners."),
        ("chen", "喝了几十年绿茶，想试试三年陈的白茶和我平时喝的有什么不同。"),
    ],
    "selected": ["xiaomei", "lin"],
    # tester, rating, tag slugs, text: the report is the tester's review of the product
    "report": ("xiaomei", 5, ["aftertaste", "fragrant"],
               "煮着喝枣香很明显，第二天再泡还有淡淡的蜜香。茶饼压得不算太紧，用茶针很好撬开，新手也能上手。"),
}


# The brand login's own trials (Lumi), so its funnel pages in the admin have every step: a
# running one (testers selected and not, samples shipped, one report, reports still due) and
# an earlier one whose deadline has passed with reports overdue.
LUMI_TRIAL = {
    "brand": "lumi",
    "product": "lumi-cushion-foundation",
    "title_zh": "露米水光气垫 4 份免费试用",
    "title_en": "Try the Lumi Dewy Cushion Foundation: 4 free compacts",
    "description_zh": "免费寄出 4 个气垫，请在截止日前发布带上妆感受的测评。",
    "description_en": "We send 4 compacts free; post a review of how it wears before the deadline.",
    "selection_criteria_zh": "优先选择写过底妆评价的用户，油皮、干皮都要有。",
    "selection_criteria_en": "We favour shoppers who have reviewed base make-up, with both oily and dry skin.",
    "samples": 4,
    "days": (-10, -3, 18),  # applications open, applications close, report deadline
    "applications": [
        ("xiaomei", "干皮，冬天底妆容易卡粉，想试试水光气垫能不能撑住一整天。"),
        ("alex", "I wear cushion foundation to work every day and can compare it with two others."),
        ("lin", "混油皮学生党，会写清楚持妆几个小时、会不会氧化变暗。"),
        ("sam", "I have oily skin and will report how it holds up after a workout."),
        ("yuki", "喜欢拍上妆对比照，会附上早晚两张照片。"),
        ("chen", "帮太太申请，她每天通勤化妆，会如实写使用感受。"),
    ],
    "selected": ["lin", "yuki", "sam", "xiaomei"],
    "shipped": ["lin", "yuki", "sam"],
    "report": ("lin", 4, ["looks"],
               "上脸很薄，水光感自然，混油皮大概五个小时后鼻翼有点出油，补一次就好。粉扑很软，遮瑕力中等。"),
}

LUMI_EARLIER_TRIAL = {
    "brand": "lumi",
    "product": "lumi-sunscreen-spf50",
    "title_zh": "露米轻薄防晒乳试用（2 支）",
    "title_en": "Lumi Featherlight Sunscreen trial (2 tubes)",
    "description_zh": "两位用户免费试用防晒乳，分享通勤和户外的使用感受。",
    "description_en": "Two shoppers try the sunscreen on the commute and outdoors.",
    "selection_criteria_zh": "经常户外活动的用户。",
    "selection_criteria_en": "Shoppers who spend time outdoors.",
    "samples": 2,
    "days": (-40, -30, -5),
    "applications": [
        ("alex", "I cycle to work every day and go through a tube of sunscreen a month."),
        ("chen", "周末常去爬山，想找一款不油腻、不泛白的防晒。"),
        ("sam", "Beach volleyball every weekend; I'd test it in the sun and in the water."),
    ],
    "selected": ["alex", "chen"],  # shipped, then no report by the deadline: overdue
}

# The reward store: coupons brands offer for points (set up like an operator in the admin).
# brand, title_zh, title_en, description_zh, description_en, cost, per-user limit, code prefix, codes
REWARDS = [
    ("lumi", "露米精华小样兑换券", "Lumi serum sample voucher",
     "兑换一支 5 毫升玻尿酸保湿精华小样，下单时填写兑换码。",
     "A 5 ml Hyaluronic Hydrating Serum sample; enter the code at checkout.", 300, 1, "LUMI-SAMPLE", 20),
    ("lumi", "露米全店 20 元优惠券", "Lumi ¥20 off coupon",
     "露米旗舰店满 199 元可用。", "For orders of ¥199 or more at the Lumi store.", 500, 2, "LUMI-20OFF", 30),
    ("mochi", "麻薯零食礼盒 8 折券", "Mochi snack box: 20% off",
     "麻薯零食礼盒 8 折，限购一份。", "20% off one Mochi snack gift box.", 200, 1, "MOCHI-BOX", 20),
    ("qingshan", "青山白茶试饮装", "Qingshan white tea tasting pack",
     "三款白茶各一泡，随下一笔订单寄出。", "One brew of each of three white teas, sent with your next order.",
     800, 1, "QS-TASTE", 10),
]


def badges_ensure():
    """The badges the co-creation demo gives (created like an operator in the admin; idempotent)."""
    created = 0
    for position, (slug, zh, en, desc_zh, desc_en, emoji, tier, criterion, params) in enumerate(BADGES):
        _badge, new = badge_registry.Badge.objects.get_or_create(
            slug=slug,
            defaults={
                "name_zh": zh, "name_en": en, "description_zh": desc_zh, "description_en": desc_en,
                "icon_emoji": emoji, "tier": tier, "criterion": criterion, "params": params,
                "position": 100 + position,
            },
        )
        created += new
    if created:
        badge_registry.badges_cache_forget()  # as the admin does after saving a badge
    return created


def rewards_ensure(brands):
    """The store's rewards and their coupon codes (as an operator adds them in the admin; the codes
    through ``reward_codes_add``, which skips those already there). Returns how many were new."""
    created = 0
    for position, (brand, zh, en, desc_zh, desc_en, cost, limit, prefix, n) in enumerate(REWARDS):
        reward, new = Reward.objects.get_or_create(
            brand=brands[brand], title_zh=zh,
            defaults={"title_en": en, "description_zh": desc_zh, "description_en": desc_en, "cost": cost,
                      "per_user_limit": limit, "position": position},
        )
        created += new
        reward_codes_add(reward=reward, codes=[f"{prefix}-{i:04d}" for i in range(1, n + 1)])
    return created
