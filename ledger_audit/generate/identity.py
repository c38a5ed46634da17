"""Distinct synthetic people and enterprises, one per global account index.

Every identifier is a bijection of the index (so two accounts never share one by accident), and
names and addresses come from large pools through bijective index maps, so that a probabilistic
name + birth date + address matcher has nothing to link in the background.
"""

from __future__ import annotations

import numpy as np

from ledger_audit.generate.common import hexes, mix64

SURNAMES = list(
    dict.fromkeys(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    )
)
GIVEN = list(
    dict.fromkeys(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳晨辉瑞博文斌睿思佳琪雪琳晓梦颖倩婷慧雅心怡然嘉子轩涵梓欣诗雨萱泽昊一诺皓宸铭远航峰海山川云天志国建新春秋德福"
    )
)
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "重庆",
    "苏州",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "沈阳",
    "宁波",
    "厦门",
    "合肥",
    "福州",
    "济南",
    "昆明",
]
DISTRICTS = [
    "东城",
    "西城",
    "朝阳",
    "海淀",
    "浦东",
    "徐汇",
    "天河",
    "南山",
    "西湖",
    "锦江",
    "江汉",
    "鼓楼",
    "雁塔",
    "渝中",
    "高新",
    "滨江",
    "历下",
    "思明",
]
ROADS = list("长安建国人民解放中山和平新华胜利光明幸福友谊文化青年东风迎宾滨河学府科技创业")
ROAD_SUFFIX = ["路", "街", "大道", "巷"]
WORDS = [
    "lin",
    "yun",
    "shan",
    "hai",
    "feng",
    "xing",
    "ming",
    "tian",
    "chen",
    "hua",
    "yu",
    "bo",
    "kai",
    "rui",
    "zhi",
    "jia",
    "qi",
    "an",
    "le",
    "xin",
]
DOMAINS = ["qq.com", "163.com", "gmail.com", "outlook.com", "126.com", "foxmail.com", "sina.com"]
ENT_WORDS = list("智云数联星辰华信达恒通远创新科汇鼎盛泰宏瑞安康源博")

_NAME_SPACE = len(SURNAMES) * len(GIVEN) * len(GIVEN)
_ADDR_SPACE = len(ROADS) * len(ROADS) * 4 * 999 * 40 * 60


def _perm(gidx: np.ndarray, space: int, mult: int) -> np.ndarray:
    # x -> (x * mult + 12345) mod space is a bijection when gcd(mult, space) = 1
    return (gidx.astype(np.int64) * mult + 12345) % space


def names(gidx: np.ndarray) -> list[str]:
    q = _perm(gidx, _NAME_SPACE, 1_000_003)
    g = len(GIVEN)
    s, r = np.divmod(q, g * g)
    g1, g2 = np.divmod(r, g)
    return [
        SURNAMES[a] + GIVEN[b] + GIVEN[c] for a, b, c in zip(s.tolist(), g1.tolist(), g2.tolist())
    ]


def addresses(gidx: np.ndarray, salt: int = 0) -> list[str]:
    q = _perm(gidx + salt, _ADDR_SPACE, 7_777_777_777)
    q, room = np.divmod(q, 60)
    q, bld = np.divmod(q, 40)
    q, num = np.divmod(q, 999)
    q, suf = np.divmod(q, 4)
    r1, r2 = np.divmod(q, len(ROADS))
    city = mix64(gidx + salt, 77) % np.uint64(len(CITIES))
    dist = mix64(gidx + salt, 78) % np.uint64(len(DISTRICTS))
    return [
        f"{CITIES[c]}市{DISTRICTS[d]}区{ROADS[a]}{ROADS[b]}{ROAD_SUFFIX[s]}{n + 1}号{bl + 1}栋{rm + 101}室"
        for c, d, a, b, s, n, bl, rm in zip(
            city.tolist(),
            dist.tolist(),
            r1.tolist(),
            r2.tolist(),
            suf.tolist(),
            num.tolist(),
            bld.tolist(),
            room.tolist(),
        )
    ]


def emails(gidx: np.ndarray, salt: int = 0) -> list[str]:
    w = (mix64(gidx, 90 + salt) % np.uint64(len(WORDS))).tolist()
    d = (mix64(gidx, 91 + salt) % np.uint64(len(DOMAINS))).tolist()
    # "_" delimits the words, so distinct indices give distinct addresses, also after normalising
    return [
        f"{WORDS[a]}_{WORDS[(a + 7) % len(WORDS)]}{g}{'x' * salt}@{DOMAINS[b]}"
        for a, b, g in zip(w, d, gidx.tolist())
    ]


def enterprise_names(gidx: np.ndarray) -> list[str]:
    n = len(ENT_WORDS)
    q = _perm(gidx, n * n * n * 1000, 1_000_003)
    q, k = np.divmod(q, 1000)
    q, c = np.divmod(q, n)
    a, b = np.divmod(q, n)
    city = (mix64(gidx, 79) % np.uint64(len(CITIES))).tolist()
    return [
        f"{CITIES[ci]}{ENT_WORDS[x]}{ENT_WORDS[y]}{ENT_WORDS[z]}{kk:03d}科技有限公司"
        for ci, x, y, z, kk in zip(city, a.tolist(), b.tolist(), c.tolist(), k.tolist())
    ]


def people(gidx: np.ndarray) -> dict[str, list]:
    """Identifier columns of the accounts with these global indices (all distinct)."""
    gidx = np.asarray(gidx, dtype=np.int64)
    ip = mix64(gidx, 5)
    return {
        "real_name": names(gidx),
        "id_doc_hash": hexes(gidx, 1, "doc_"),
        "enterprise_name": enterprise_names(gidx),
        "enterprise_tax_id": [s.upper() for s in hexes(gidx, 2, "91")],
        "phone_hash": hexes(gidx, 3, "ph_"),
        "email": emails(gidx),
        "address": addresses(gidx),
        "device_id": hexes(gidx, 4, "dev_"),
        "registration_ip": [
            f"{(v >> 24) % 223 + 1}.{(v >> 16) % 256}.{(v >> 8) % 256}.{v % 254 + 1}"
            for v in (ip % np.uint64(1 << 32)).tolist()
        ],
        "payer_ref_hash": hexes(gidx, 6, "pay_"),
        "payer_ref_hash2": hexes(gidx, 8, "pay_"),
    }
