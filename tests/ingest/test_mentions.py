"""Tests for pipeline.ingest.mentions.find_mentions.

Every text below is a constructed test sentence, written in the style of news reports, UN
General Debate statements and speeches; none is quoted from a corpus.  Each case gives the
expected mentions, in order, as (state, surface, how).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.codebook import MEMBERS
from pipeline.ingest.mentions import HOWS, Mention, find_mentions

SPEECH_CHN = {"speaker_state": "CHN", "doc_type": "speech"}
SPEECH_PAK = {"speaker_state": "PAK", "doc_type": "speech"}
SPEECH_KAZ = {"speaker_state": "KAZ", "doc_type": "speech"}
SPEECH_RUS = {"speaker_state": "RUS", "doc_type": "speech"}

ZH = [
    # names, official and historic
    ("中华人民共和国主席习近平出席峰会。", {},
     [("CHN", "中华人民共和国", "name"), ("CHN", "习近平", "leader")]),
    ("俄罗斯联邦总统普京抵达北京。", {},
     [("RUS", "俄罗斯联邦", "name"), ("RUS", "普京", "leader"), ("CHN", "北京", "capital")]),
    ("十月革命后的俄国退出了战争。", {}, [("RUS", "俄国", "name")]),
    ("哈萨克斯坦、吉尔吉斯斯坦、塔吉克斯坦和乌兹别克斯坦是中亚国家。", {},
     [("KAZ", "哈萨克斯坦", "name"), ("KGZ", "吉尔吉斯斯坦", "name"), ("TJK", "塔吉克斯坦", "name"),
      ("UZB", "乌兹别克斯坦", "name")]),
    ("应吉尔吉斯共和国总统扎帕罗夫邀请。", {},
     [("KGZ", "吉尔吉斯共和国", "name"), ("KGZ", "扎帕罗夫", "leader")]),
    ("中华人民共和国和伊朗伊斯兰共和国联合声明", {},
     [("CHN", "中华人民共和国", "name"), ("IRN", "伊朗伊斯兰共和国", "name")]),
    ("印度总理莫迪会见巴基斯坦总理夏巴兹·谢里夫。", {},
     [("IND", "印度", "name"), ("IND", "莫迪", "leader"), ("PAK", "巴基斯坦", "name"),
      ("PAK", "夏巴兹·谢里夫", "leader")]),
    # overlap: 白俄罗斯 is Belarus, never Russia
    ("白俄罗斯总统卢卡申科访问莫斯科。", {},
     [("BLR", "白俄罗斯", "name"), ("BLR", "卢卡申科", "leader"), ("RUS", "莫斯科", "capital")]),
    ("中国同白俄两国关系稳步发展。", {}, [("CHN", "中国", "name"), ("BLR", "白俄", "abbrev")]),
    # side forms
    ("中方愿同俄方一道，推动两国关系发展。", {}, [("CHN", "中方", "side"), ("RUS", "俄方", "side")]),
    ("中方支持哈方、吉方、塔方和乌方维护国家主权。", {},
     [("CHN", "中方", "side"), ("KAZ", "哈方", "side"), ("KGZ", "吉方", "side"), ("TJK", "塔方", "side"),
      ("UZB", "乌方", "side")]),
    ("印方和巴方都表示克制，伊方发表声明，白方表示支持。", {},
     [("IND", "印方", "side"), ("PAK", "巴方", "side"), ("IRN", "伊方", "side"), ("BLR", "白方", "side")]),
    ("其中方案一已经通过，明白方法才能解决问题。", {}, []),
    # fused abbreviations in compound context
    ("中俄两国元首举行会谈。", {}, [("CHN", "中", "abbrev"), ("RUS", "俄", "abbrev")]),
    ("印巴关系近来趋于紧张。", {}, [("IND", "印", "abbrev"), ("PAK", "巴", "abbrev")]),
    ("中巴经济走廊建设取得新进展。", {}, [("CHN", "中", "abbrev"), ("PAK", "巴", "abbrev")]),
    ("乌塔两国总统签署联合声明。", {}, [("UZB", "乌", "abbrev"), ("TJK", "塔", "abbrev")]),
    ("哈吉边界勘定工作全面完成。", {}, [("KAZ", "哈", "abbrev"), ("KGZ", "吉", "abbrev")]),
    ("中吉乌铁路项目正式开工。", {},
     [("CHN", "中", "abbrev"), ("KGZ", "吉", "abbrev"), ("UZB", "乌", "abbrev")]),
    ("吉塔边境局势趋于缓和。", {}, [("KGZ", "吉", "abbrev"), ("TJK", "塔", "abbrev")]),
    ("乌哈两国元首通电话。", {}, [("UZB", "乌", "abbrev"), ("KAZ", "哈", "abbrev")]),
    ("中哈俄三国边防部门举行会晤。", {},
     [("CHN", "中", "abbrev"), ("KAZ", "哈", "abbrev"), ("RUS", "俄", "abbrev")]),
    ("中、俄、哈、吉、塔五国元首在上海会晤。", {},
     [("CHN", "中", "abbrev"), ("RUS", "俄", "abbrev"), ("KAZ", "哈", "abbrev"), ("KGZ", "吉", "abbrev"),
      ("TJK", "塔", "abbrev")]),
    ("加快构建中蒙俄经济走廊。", {}, [("CHN", "中", "abbrev"), ("RUS", "俄", "abbrev")]),
    ("中俄是山水相连的友好邻邦。", {}, [("CHN", "中", "abbrev"), ("RUS", "俄", "abbrev")]),
    ("哈中有着跨越千年的友好交往。", {}, [("KAZ", "哈", "abbrev"), ("CHN", "中", "abbrev")]),
    ("推动中白工业园高质量发展。", {}, [("CHN", "中", "abbrev"), ("BLR", "白", "abbrev")]),
    ("中阿巴三方外长对话在喀布尔举行。", {}, [("CHN", "中", "abbrev"), ("PAK", "巴", "abbrev")]),
    ("俄乌冲突仍在持续。", {}, [("RUS", "俄", "abbrev")]),
    ("其中俄罗斯代表团人数最多。", {}, [("RUS", "俄罗斯", "name")]),
    ("在会谈中俄方表示愿加强合作。", {}, [("RUS", "俄方", "side")]),
    ("请把文件集中印发给各单位。", {}, []),
    ("他乘坐中巴车前往市区。", {}, []),
    # traps
    ("乌克兰危机持续发酵。", {}, []),
    ("乌拉圭、乌干达代表和乌鲁木齐市代表出席。", {}, []),
    ("巴西总统卢拉访问巴黎。", {}, []),
    ("巴林国王和巴拿马总统出席。", {}, []),
    ("巴勒斯坦问题是中东问题的核心。", {}, []),
    ("中亚和中东地区形势。", {}, []),
    ("中非合作论坛和中欧班列。", {}, []),
    ("中美关系面临挑战。", {}, []),
    ("吉布提、哈马斯和哈佛大学。", {}, []),
    ("塔利班控制了喀布尔。", {}, []),
    ("伊拉克和伊斯兰合作组织。", {}, []),
    ("巴基斯坦首都伊斯兰堡。", {}, [("PAK", "巴基斯坦", "name"), ("PAK", "伊斯兰堡", "capital")]),
    ("印尼和印度尼西亚是同一个国家。", {}, []),
    ("印度洋海啸造成重大损失。", {}, []),
    ("白宫发言人表示。", {}, []),
    ("中国-东盟自由贸易区升级。", {}, [("CHN", "中国", "name")]),
    ("上海合作组织在上海成立。", {}, []),
    ("格鲁吉亚、蒙古、土库曼斯坦和阿富汗代表出席。", {}, []),
    ("新疆的哈萨克族和塔吉克族群众。", {}, []),
    ("成吉思汗的故事。", {}, []),
    # doc-level: 巴方 in a Brazil story is Brazil, 乌方 in a Ukraine story is Ukraine
    ("习近平会见巴西总统，中方愿同巴方深化合作。", {},
     [("CHN", "习近平", "leader"), ("CHN", "中方", "side")]),
    ("乌克兰外长表示，乌方愿同中方加强沟通。", {}, [("CHN", "中方", "side")]),
    # capitals
    ("新德里、德黑兰、明斯克、阿斯塔纳、比什凯克、杜尚别和塔什干。", {},
     [("IND", "新德里", "capital"), ("IRN", "德黑兰", "capital"), ("BLR", "明斯克", "capital"),
      ("KAZ", "阿斯塔纳", "capital"), ("KGZ", "比什凯克", "capital"), ("TJK", "杜尚别", "capital"),
      ("UZB", "塔什干", "capital")]),
    ("克里姆林宫发表声明。", {}, [("RUS", "克里姆林宫", "capital")]),
    ("峰会在努尔苏丹举行，努尔苏丹·纳扎尔巴耶夫出席。", {},
     [("KAZ", "努尔苏丹", "capital"), ("KAZ", "努尔苏丹·纳扎尔巴耶夫", "leader")]),
    # leaders
    ("胡锦涛、江泽民、李克强、李强和王毅。", {},
     [("CHN", "胡锦涛", "leader"), ("CHN", "江泽民", "leader"), ("CHN", "李克强", "leader"),
      ("CHN", "李强", "leader"), ("CHN", "王毅", "leader")]),
    ("梅德韦杰夫、拉夫罗夫和叶利钦。", {},
     [("RUS", "梅德韦杰夫", "leader"), ("RUS", "拉夫罗夫", "leader"), ("RUS", "叶利钦", "leader")]),
    ("伊姆兰·汗表示。", {}, [("PAK", "伊姆兰·汗", "leader")]),
    ("莱希、佩泽希齐扬、鲁哈尼和艾哈迈迪-内贾德，以及内贾德本人。", {},
     [("IRN", "莱希", "leader"), ("IRN", "佩泽希齐扬", "leader"), ("IRN", "鲁哈尼", "leader"),
      ("IRN", "艾哈迈迪-内贾德", "leader"), ("IRN", "内贾德", "leader")]),
    ("托卡耶夫、米尔济约耶夫、卡里莫夫、拉赫蒙、拉赫莫诺夫。", {},
     [("KAZ", "托卡耶夫", "leader"), ("UZB", "米尔济约耶夫", "leader"), ("UZB", "卡里莫夫", "leader"),
      ("TJK", "拉赫蒙", "leader"), ("TJK", "拉赫莫诺夫", "leader")]),
    ("热恩别科夫、阿坦巴耶夫、巴基耶夫和阿卡耶夫。", {},
     [("KGZ", "热恩别科夫", "leader"), ("KGZ", "阿坦巴耶夫", "leader"), ("KGZ", "巴基耶夫", "leader"),
      ("KGZ", "阿卡耶夫", "leader")]),
    ("谢里夫当选总理。", {"year": 1985}, []),
    ("谢里夫当选总理。", {"year": 2013}, [("PAK", "谢里夫", "leader")]),
    ("布莱希特的戏剧。", {}, []),
    # speaker rule
    ("我们坚定支持多边主义，我国愿同各方合作，中方主张对话。", SPEECH_CHN,
     [("CHN", "我们", "speaker"), ("CHN", "我国", "speaker"), ("CHN", "中方", "speaker")]),
    ("我们坚定支持多边主义，我国愿同各方合作，中方主张对话。", {"speaker_state": "CHN", "doc_type": "transcript"},
     [("CHN", "中方", "side")]),
    ("我们坚定支持多边主义。", {"doc_type": "speech"}, []),
    ("我们同中方是铁杆朋友，巴方感谢咱们的兄弟。", SPEECH_PAK,
     [("PAK", "我们", "speaker"), ("CHN", "中方", "side"), ("PAK", "巴方", "speaker"),
      ("PAK", "咱们", "speaker")]),
    ("坚持改革开放基本国策，日本国民。", SPEECH_CHN, []),
    ("我们坚定支持多边主义。", {"speaker_state": "AFG", "doc_type": "speech"}, []),
]

EN = [
    ("The People's Republic of China and the Russian Federation signed the treaty.", {},
     [("CHN", "People's Republic of China", "name"), ("RUS", "Russian Federation", "name")]),
    ("The People’s Republic of China is the only legitimate representative.", {},
     [("CHN", "People’s Republic of China", "name")]),
    ("The Kyrgyz Republic, formerly Kirghizia, borders Kazakhstan.", {},
     [("KGZ", "Kyrgyz Republic", "name"), ("KGZ", "Kirghizia", "name"), ("KAZ", "Kazakhstan", "name")]),
    ("Sanctions against the Islamic Republic of Iran and the Republic of Belarus.", {},
     [("IRN", "Islamic Republic of Iran", "name"), ("BLR", "Belarus", "name")]),
    ("The delegation of the Byelorussian SSR, like Belorussia and Byelorussia, voted.", {},
     [("BLR", "Byelorussian SSR", "name"), ("BLR", "Belorussia", "name"), ("BLR", "Byelorussia", "name")]),
    ("India, Pakistan, Iran, Tajikistan and Uzbekistan attended.", {},
     [("IND", "India", "name"), ("PAK", "Pakistan", "name"), ("IRN", "Iran", "name"),
      ("TJK", "Tajikistan", "name"), ("UZB", "Uzbekistan", "name")]),
    ("Russia's position and Kyrgyzstan's reply.", {},
     [("RUS", "Russia", "name"), ("KGZ", "Kyrgyzstan", "name")]),
    ("STATEMENT BY THE DELEGATION OF CHINA", {}, [("CHN", "CHINA", "name")]),
    # adjectives and demonyms
    ("Chinese, Russian and Indian diplomats met Pakistani and Iranian officials.", {},
     [("CHN", "Chinese", "adjective"), ("RUS", "Russian", "adjective"), ("IND", "Indian", "adjective"),
      ("PAK", "Pakistani", "adjective"), ("IRN", "Iranian", "adjective")]),
    ("Kazakh, Kazakhstani, Kyrgyz, Tajik, Uzbek and Belarusian experts.", {},
     [("KAZ", "Kazakh", "adjective"), ("KAZ", "Kazakhstani", "adjective"), ("KGZ", "Kyrgyz", "adjective"),
      ("TJK", "Tajik", "adjective"), ("UZB", "Uzbek", "adjective"), ("BLR", "Belarusian", "adjective")]),
    ("The Iranian-Armenian border is open.", {}, [("IRN", "Iranian", "adjective")]),
    ("The Sino-Indian border and the Indo-Pakistani war.", {},
     [("CHN", "Sino", "abbrev"), ("IND", "Indian", "adjective"), ("IND", "Indo", "abbrev"),
      ("PAK", "Pakistani", "adjective")]),
    # side forms
    ("The Chinese side welcomed the proposal, and the Indian side agreed.", {},
     [("CHN", "Chinese side", "side"), ("IND", "Indian side", "side")]),
    ("We appeal to the Pakistani side and the Tajik side.", {},
     [("PAK", "Pakistani side", "side"), ("TJK", "Tajik side", "side")]),
    # capitals
    ("Beijing and Moscow coordinated, while the Kremlin stayed silent.", {},
     [("CHN", "Beijing", "capital"), ("RUS", "Moscow", "capital"), ("RUS", "Kremlin", "capital")]),
    ("New Delhi, Islamabad, Tehran and Minsk responded.", {},
     [("IND", "New Delhi", "capital"), ("PAK", "Islamabad", "capital"), ("IRN", "Tehran", "capital"),
      ("BLR", "Minsk", "capital")]),
    ("Summits in Astana, Nur-Sultan, Bishkek, Dushanbe and Tashkent.", {},
     [("KAZ", "Astana", "capital"), ("KAZ", "Nur-Sultan", "capital"), ("KGZ", "Bishkek", "capital"),
      ("TJK", "Dushanbe", "capital"), ("UZB", "Tashkent", "capital")]),
    # leaders
    ("Xi Jinping met Putin; later President Xi spoke in Xi'an.", {},
     [("CHN", "Xi Jinping", "leader"), ("RUS", "Putin", "leader"), ("CHN", "Xi", "leader")]),
    ("Hu Jintao, Jiang Zemin and Li Keqiang.", {},
     [("CHN", "Hu Jintao", "leader"), ("CHN", "Jiang Zemin", "leader"), ("CHN", "Li Keqiang", "leader")]),
    ("Medvedev, Lavrov and Yeltsin; Putin's speech.", {},
     [("RUS", "Medvedev", "leader"), ("RUS", "Lavrov", "leader"), ("RUS", "Yeltsin", "leader"),
      ("RUS", "Putin", "leader")]),
    ("Prime Minister Modi met Prime Minister Nawaz Sharif and Imran Khan.", {"year": 2015},
     [("IND", "Modi", "leader"), ("PAK", "Nawaz Sharif", "leader"), ("PAK", "Imran Khan", "leader")]),
    ("Raisi, Pezeshkian, Rouhani and Ahmadinejad.", {},
     [("IRN", "Raisi", "leader"), ("IRN", "Pezeshkian", "leader"), ("IRN", "Rouhani", "leader"),
      ("IRN", "Ahmadinejad", "leader")]),
    ("Lukashenko, Tokayev, Nazarbayev, Mirziyoyev and Karimov.", {},
     [("BLR", "Lukashenko", "leader"), ("KAZ", "Tokayev", "leader"), ("KAZ", "Nazarbayev", "leader"),
      ("UZB", "Mirziyoyev", "leader"), ("UZB", "Karimov", "leader")]),
    ("Rahmon, formerly Rakhmonov; Japarov, also Zhaparov; Jeenbekov.", {},
     [("TJK", "Rahmon", "leader"), ("TJK", "Rakhmonov", "leader"), ("KGZ", "Japarov", "leader"),
      ("KGZ", "Zhaparov", "leader"), ("KGZ", "Jeenbekov", "leader")]),
    ("Atambayev, Bakiyev and Akayev.", {},
     [("KGZ", "Atambayev", "leader"), ("KGZ", "Bakiyev", "leader"), ("KGZ", "Akayev", "leader")]),
    ("President Sharif addressed the nation.", {"year": 1985}, []),
    ("President Xi addressed the Assembly.", {"year": 2000}, []),
    # traps
    ("The Shanghai Communique and the Shanghai communiqué.", {}, []),
    ("The Shanghai Cooperation Organisation met in Shanghai.", {}, []),
    ("Georgia, Indiana, the West Indies and the Indian Ocean.", {}, []),
    ("Turkey, Turkmenistan, Afghanistan and Mongolia.", {}, []),
    ("Ukrainian grain reached Chinatown, served on fine china.", {}, []),
    ("Refugees from Indo-China crossed the South China Sea.", {}, []),
    ("Chinese Taipei competed; the Republic of China protested.", {}, []),
    ("Al-Quds al-Sharif and Mazar-i-Sharif.", {}, []),
    ("The OSCE Minsk Group and the Beijing Platform for Action.", {}, []),
    ("The treatment of American Indians and the Astana process.", {}, []),
    ("Tajiks, Uzbeks, Hazaras and Pashtuns live in Afghanistan.", {}, []),
    # speaker rule
    ("We believe our region needs us; the future is ours.", SPEECH_KAZ,
     [("KAZ", "We", "speaker"), ("KAZ", "our", "speaker"), ("KAZ", "us", "speaker"),
      ("KAZ", "ours", "speaker")]),
    ("They were in the west with the US and Uzbek friends; wedding, power, bus.", SPEECH_KAZ,
     [("UZB", "Uzbek", "adjective")]),
    ("We believe our region needs us.", {"speaker_state": "KAZ", "doc_type": "article"}, []),
    ("We believe our region needs us.", {"doc_type": "speech"}, []),
    ("WE, THE PEOPLES, and our Kazakhstan.", SPEECH_KAZ,
     [("KAZ", "WE", "speaker"), ("KAZ", "our", "speaker"), ("KAZ", "Kazakhstan", "name")]),
]

RU = [
    # names with case endings
    ("Китай, Китая, Китаю, Китаем, о Китае.", {},
     [("CHN", "Китай", "name"), ("CHN", "Китая", "name"), ("CHN", "Китаю", "name"), ("CHN", "Китаем", "name"),
      ("CHN", "Китае", "name")]),
    ("Россия, России, Россией и Россию.", {},
     [("RUS", "Россия", "name"), ("RUS", "России", "name"), ("RUS", "Россией", "name"),
      ("RUS", "Россию", "name")]),
    ("Российская Федерация и РФ.", {}, [("RUS", "Российская Федерация", "name"), ("RUS", "РФ", "name")]),
    ("Председатель КНР прибыл. Китайская Народная Республика и Поднебесная.", {},
     [("CHN", "КНР", "name"), ("CHN", "Китайская Народная Республика", "name"), ("CHN", "Поднебесная", "name")]),
    ("Кыргызстан, Киргизия и Кыргызская Республика.", {},
     [("KGZ", "Кыргызстан", "name"), ("KGZ", "Киргизия", "name"), ("KGZ", "Кыргызская Республика", "name")]),
    ("Беларусь, Белоруссия и в Белоруссии.", {},
     [("BLR", "Беларусь", "name"), ("BLR", "Белоруссия", "name"), ("BLR", "Белоруссии", "name")]),
    ("Иран, Ирана, Индии, Пакистана.", {},
     [("IRN", "Иран", "name"), ("IRN", "Ирана", "name"), ("IND", "Индии", "name"), ("PAK", "Пакистана", "name")]),
    ("в Казахстане, с Узбекистаном, из Таджикистана.", {},
     [("KAZ", "Казахстане", "name"), ("UZB", "Узбекистаном", "name"), ("TJK", "Таджикистана", "name")]),
    # adjectives with endings
    ("китайский, российского, индийские, пакистанской, иранским.", {},
     [("CHN", "китайский", "adjective"), ("RUS", "российского", "adjective"), ("IND", "индийские", "adjective"),
      ("PAK", "пакистанской", "adjective"), ("IRN", "иранским", "adjective")]),
    ("казахстанских, киргизская, кыргызского, таджикском, узбекскую, белорусскими.", {},
     [("KAZ", "казахстанских", "adjective"), ("KGZ", "киргизская", "adjective"),
      ("KGZ", "кыргызского", "adjective"), ("TJK", "таджикском", "adjective"), ("UZB", "узбекскую", "adjective"),
      ("BLR", "белорусскими", "adjective")]),
    ("Российско-китайские отношения развиваются.", {},
     [("RUS", "Российско", "adjective"), ("CHN", "китайские", "adjective")]),
    # side forms
    ("Китайская сторона приветствовала решение, а российская сторона согласилась.", {},
     [("CHN", "Китайская сторона", "side"), ("RUS", "российская сторона", "side")]),
    ("Пакистанская сторона заявила, что с индийской стороной нет договорённости.", {},
     [("PAK", "Пакистанская сторона", "side"), ("IND", "индийской стороной", "side")]),
    # capitals with endings
    ("Пекин и Москва; в Москве и в Кремле.", {},
     [("CHN", "Пекин", "capital"), ("RUS", "Москва", "capital"), ("RUS", "Москве", "capital"),
      ("RUS", "Кремле", "capital")]),
    ("Нью-Дели, Исламабад, в Тегеране и Минск.", {},
     [("IND", "Нью-Дели", "capital"), ("PAK", "Исламабад", "capital"), ("IRN", "Тегеране", "capital"),
      ("BLR", "Минск", "capital")]),
    ("в Астане, в Бишкеке, в Душанбе и из Ташкента.", {},
     [("KAZ", "Астане", "capital"), ("KGZ", "Бишкеке", "capital"), ("TJK", "Душанбе", "capital"),
      ("UZB", "Ташкента", "capital")]),
    # leaders with endings
    ("Путин, Путина, Путиным и Путину.", {},
     [("RUS", "Путин", "leader"), ("RUS", "Путина", "leader"), ("RUS", "Путиным", "leader"),
      ("RUS", "Путину", "leader")]),
    ("Си Цзиньпин встретился с Си Цзиньпином? Нет: Ху Цзиньтао и Цзян Цзэминь.", {},
     [("CHN", "Си Цзиньпин", "leader"), ("CHN", "Си Цзиньпином", "leader"), ("CHN", "Ху Цзиньтао", "leader"),
      ("CHN", "Цзян Цзэминь", "leader")]),
    ("Медведев, Лавровым и Ельцина.", {},
     [("RUS", "Медведев", "leader"), ("RUS", "Лавровым", "leader"), ("RUS", "Ельцина", "leader")]),
    ("Моди, Шариф и Имран Хан.", {"year": 2019},
     [("IND", "Моди", "leader"), ("PAK", "Шариф", "leader"), ("PAK", "Имран Хан", "leader")]),
    ("Раиси, Пезешкиан, Роухани и Ахмадинежад.", {},
     [("IRN", "Раиси", "leader"), ("IRN", "Пезешкиан", "leader"), ("IRN", "Роухани", "leader"),
      ("IRN", "Ахмадинежад", "leader")]),
    ("Лукашенко, Токаевым, Назарбаева.", {},
     [("BLR", "Лукашенко", "leader"), ("KAZ", "Токаевым", "leader"), ("KAZ", "Назарбаева", "leader")]),
    ("Мирзиёев, Каримов, Рахмон и Рахмонов.", {},
     [("UZB", "Мирзиёев", "leader"), ("UZB", "Каримов", "leader"), ("TJK", "Рахмон", "leader"),
      ("TJK", "Рахмонов", "leader")]),
    ("Садыр Жапаров, Жээнбеков, Атамбаев, Бакиев и Акаев.", {},
     [("KGZ", "Жапаров", "leader"), ("KGZ", "Жээнбеков", "leader"), ("KGZ", "Атамбаев", "leader"),
      ("KGZ", "Бакиев", "leader"), ("KGZ", "Акаев", "leader")]),
    # traps
    ("Корабли вошли в Индийский океан, учения в Индийском океане.", {}, []),
    ("Грузия, Туркменистан, Афганистан и Монголия.", {}, []),
    ("украинский зерновой коридор и Ирак.", {}, []),
    ("Азия и Средняя Азия; Индиана.", {}, []),
    ("Шанхайская организация сотрудничества собралась в Шанхае.", {}, []),
    ("Мечеть аль-Шариф.", {}, []),
    # speaker rule
    ("Мы и наши партнёры: нам, нас, нашу страну, с нами.", SPEECH_RUS,
     [("RUS", "Мы", "speaker"), ("RUS", "наши", "speaker"), ("RUS", "нам", "speaker"),
      ("RUS", "нас", "speaker"), ("RUS", "нашу", "speaker"), ("RUS", "нами", "speaker")]),
    ("Мы и наши партнёры.", {"speaker_state": "RUS", "doc_type": "article"}, []),
    ("Население и Намибия, но российская сторона и мы.", SPEECH_RUS,
     [("RUS", "российская сторона", "speaker"), ("RUS", "мы", "speaker")]),
]

CASES = (
    [pytest.param("zh", t, kw, exp, id=f"zh-{i}") for i, (t, kw, exp) in enumerate(ZH)]
    + [pytest.param("en", t, kw, exp, id=f"en-{i}") for i, (t, kw, exp) in enumerate(EN)]
    + [pytest.param("ru", t, kw, exp, id=f"ru-{i}") for i, (t, kw, exp) in enumerate(RU)]
)


def test_table_size():
    assert len(ZH) >= 40 and len(EN) >= 30 and len(RU) >= 30


@pytest.mark.parametrize("lang,text,kwargs,expected", CASES)
def test_find_mentions(lang, text, kwargs, expected):
    got = find_mentions(text, lang, **kwargs)
    assert [(m.state, m.surface, m.how) for m in got] == expected


@pytest.mark.parametrize("lang,text,kwargs,expected", CASES)
def test_offsets_slice_back_to_surface(lang, text, kwargs, expected):
    got = find_mentions(text, lang, **kwargs)
    for m in got:
        assert text[m.start:m.end] == m.surface
        assert m.state in MEMBERS
        assert m.how in HOWS
    assert [m.start for m in got] == sorted(m.start for m in got)
    assert all(a.end <= b.start for a, b in itertools.pairwise(got))


def test_offsets_in_a_longer_text():
    text = "据报道，" * 50 + "中俄两国元首会晤，白俄罗斯总统出席。"
    got = find_mentions(text, "zh")
    assert [(m.state, m.surface) for m in got] == [("CHN", "中"), ("RUS", "俄"), ("BLR", "白俄罗斯")]
    assert got[0] == Mention("CHN", 200, 201, "中", "abbrev")
    assert got[1].start == 201 and got[2].start == 209


def test_names_across_a_line_break():
    got = find_mentions("the Islamic Republic\nof Iran and the Indian\nOcean", "en")
    assert [(m.state, m.surface) for m in got] == [("IRN", "Islamic Republic\nof Iran")]


def test_unknown_language():
    with pytest.raises(ValueError):
        find_mentions("text", "de")


def test_mention_is_frozen():
    m = Mention("CHN", 0, 2, "中国", "name")
    with pytest.raises(AttributeError):
        m.state = "RUS"  # type: ignore[misc]


_ALPHABET = st.sampled_from(
    list("中俄哈吉塔乌印巴伊白方国罗斯克兰我们、，。 关系两") + list("CRIPKTXwe ius-'") + list("КРИПМмнаш -")
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(), st.text(alphabet=_ALPHABET)),
    lang=st.sampled_from(["zh", "en", "ru"]),
    speaker=st.sampled_from([None, "CHN", "RUS", "AFG"]),
    doc_type=st.sampled_from([None, "speech", "article"]),
    year=st.one_of(st.none(), st.integers(1900, 2100)),
)
def test_property_never_raises_and_spans_are_sane(text, lang, speaker, doc_type, year):
    got = find_mentions(text, lang, speaker_state=speaker, doc_type=doc_type, year=year)
    prev_end = 0
    for m in got:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= prev_end
        assert text[m.start:m.end] == m.surface
        assert m.state in MEMBERS and m.how in HOWS
        prev_end = m.end
