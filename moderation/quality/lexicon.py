"""Small hand-made lexicons (Simplified Chinese + English) for the quality scorer.

Kept deliberately short and readable: they are matched with a few compiled regular
expressions, so scoring costs microseconds, not the milliseconds a statistical
sentiment model would (see docs/quality.md for why this beat snownlp here).
Traditional Chinese text is matched after the scorer folds it to Simplified.
"""

# Polar words. Negators flip a match that follows them within two characters / one word.
POSITIVE_ZH = (
    "好用", "喜欢", "满意", "推荐", "不错", "很好", "挺好", "值得", "舒服", "好看", "实用", "方便", "耐用",
    "清香", "好吃", "划算", "超值", "惊喜", "给力", "顺滑", "细腻", "柔软", "结实", "安静", "省电", "快",
    "完美", "棒", "赞", "爱了", "回购", "五星", "性价比高", "质量好", "做工好", "效果好", "没毛病",
)
NEGATIVE_ZH = (
    "坏了", "坏掉", "破了", "裂了", "断了", "漏", "掉色", "起球", "褪色", "过敏", "刺痛", "难用", "难闻", "难吃",
    "失望", "后悔", "差评", "垃圾", "太差", "很差", "质量差", "做工差", "不值", "退货", "退款", "假货", "发霉",
    "变形", "卡顿", "发热", "发烫", "噪音", "异味", "臭", "不能用", "用不了", "没效果", "无效", "上当", "坑",
    "粗糙", "廉价感", "开线", "掉渣", "翻车", "踩雷", "雷", "不推荐", "别买", "智商税",
)
NEGATORS_ZH = ("不", "没", "没有", "别", "无", "未", "不太", "不怎么")

POSITIVE_EN = (
    "love", "loved", "great", "good", "excellent", "perfect", "recommend", "comfortable", "works", "worth",
    "happy", "nice", "sturdy", "durable", "quiet", "soft", "smooth", "amazing", "awesome", "best", "fantastic",
    "reliable", "well made", "value",
)
NEGATIVE_EN = (
    "broke", "broken", "breaks", "cracked", "leaks", "leaked", "leaking", "faded", "fades", "ripped", "torn",
    "stopped working", "doesn't work", "does not work", "didn't work", "useless", "disappointed", "disappointing",
    "waste", "refund", "returned", "return it", "terrible", "awful", "horrible", "poor", "flimsy",
    "fake", "smells", "rash", "itchy", "overpriced", "regret", "worst", "bad", "noisy", "overheats", "defective",
)
NEGATORS_EN = ("not", "no", "never", "n't", "hardly", "barely", "wouldn't", "don't", "didn't", "isn't", "wasn't")

# Template phrases: praise that says nothing about the product. A text made only of
# these (and punctuation) is a template review.
TEMPLATES_ZH = (
    "好评好评", "好评", "五星好评", "不错不错", "很好很好", "挺好的", "非常好", "很好", "不错", "满意", "非常满意",
    "很满意", "还可以", "还行", "可以", "推荐", "值得购买", "值得推荐", "物美价廉", "物超所值", "质量很好",
    "质量不错", "东西不错", "东西很好", "卖家很好", "服务很好", "发货很快", "物流很快", "快递很快", "包装很好",
    "下次还来", "还会回购", "会回购", "给个好评", "默认好评", "系统默认好评", "此用户没有填写评价", "赞", "棒",
    "哈哈", "嗯", "ok", "好用", "喜欢", "很喜欢", "宝贝收到了", "收到了", "和描述一致", "与描述相符",
    "正品", "划算", "便宜", "满分",
)
TEMPLATES_EN = (
    "great product", "good product", "nice product", "excellent product", "good quality", "great quality",
    "highly recommend", "highly recommended", "recommend", "recommended", "five stars", "5 stars", "love it",
    "love this", "nice", "good", "great", "excellent", "perfect", "awesome", "amazing", "ok", "okay",
    "fast shipping", "fast delivery", "as described", "thanks", "thank you", "very good", "very nice", "good value",
    "works great", "works well", "a+", "a++", "10/10", "would buy again", "will buy again", "happy", "satisfied",
    "best", "cool", "fine", "good seller", "great seller", "worth it",
)

# Contrast markers: a review that weighs pros against cons.
CONTRAST_ZH = ("但是", "但", "不过", "可惜", "缺点", "优点", "唯一", "美中不足", "就是有点", "只是", "然而", "稍微")
CONTRAST_EN = ("but", "however", "although", "though", "downside", "con:", "cons", "pros", "only issue",
               "the only", "wish", "except", "on the other hand")

# Units and measures (after a number), and durations of use.
UNITS_ZH = ("厘米", "公分", "毫米", "米", "cm", "mm", "ml", "毫升", "升", "克", "g", "kg", "斤", "公斤", "元", "块",
            "瓦", "w", "mah", "寸", "码", "度", "℃", "%", "分钟", "小时", "天", "周", "星期", "个月", "月", "年",
            "次", "遍", "层", "档", "岁")
UNITS_EN = ("cm", "mm", "m", "inch", "inches", "in", "ft", "kg", "g", "lb", "lbs", "oz", "ml", "l", "w", "mah",
            "hours", "hour", "hrs", "minutes", "mins", "days", "day", "weeks", "week", "months", "month", "years",
            "year", "times", "washes", "uses", "degrees", "%", "yuan", "rmb", "usd", "$", "size")

# Challenge entries (ideas, designs): what the author would change, and why. An entry that
# says both tells the brand something it can act on.
CHANGE_ZH = ("改成", "换成", "改为", "改进", "改良", "改一下", "加上", "加入", "增加", "添加", "多加", "去掉", "减少",
             "少放", "希望", "建议", "想要", "能不能", "做成", "设计成", "出一款", "推出", "如果")
CHANGE_EN = ("change", "replace", "add", "adding", "remove", "instead", "make it", "would", "should", "could",
             "suggest", "improve", "redesign", "swap", "switch to", "offer", "launch", "i'd love", "i'd like")
REASON_ZH = ("因为", "所以", "为了", "这样", "以便", "可以让", "能让", "不然", "否则", "原因", "理由", "由于", "毕竟")
REASON_EN = ("because", "so that", "so it", "so you", "so i", "since", "that way", "which would", "which means",
             "in order to", "to make", "to keep", "to help", "the reason", "as it")
