"""Fictional catalog and generated pictures shared by ``manage.py demo`` and ``manage.py seed``.

Everything here is invented: brand names, products and review texts. Review
texts avoid contact details and absolute claims (最 / 第一 / 国家级), so the
moderation pipeline publishes them rather than holding them.
"""
import colorsys
import io

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from community.models import BRAND_STAFF_GROUP, MODERATORS_GROUP, AspectTag, Brand, Category

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
        Permission.objects.get(content_type__app_label="community", codename=f"{action}_{model}")
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
