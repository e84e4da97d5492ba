package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// legacyCharset is one charset that undeclared 8-bit header text is tried
// in, with the scorer that says how plausible a decoding is.
type legacyCharset struct {
	name  string
	enc   encoding.Encoding
	score func(src []byte, text string) float64
}

// legacyCharsets are the charsets of unlabelled 8-bit headers in real
// mail, in the order that breaks ties (the most common first).
var legacyCharsets = []legacyCharset{
	{"windows-1252", charmap.Windows1252, scoreSingleByte},
	{"gb18030", simplifiedchinese.GB18030, scoreGB},
	{"shift_jis", japanese.ShiftJIS, scoreShiftJIS},
	{"euc-kr", korean.EUCKR, scoreEUCKR},
	{"big5", traditionalchinese.Big5, scoreBig5},
	{"euc-jp", japanese.EUCJP, scoreEUCJP},
	{"windows-1251", charmap.Windows1251, scoreSingleByte},
	{"koi8-r", charmap.KOI8R, scoreSingleByte},
	{"windows-1250", charmap.Windows1250, scoreSingleByte},
	{"windows-1253", charmap.Windows1253, scoreSingleByte},
	{"windows-1257", charmap.Windows1257, scoreSingleByte},
}

// minPlausible is the score (per non-ASCII byte) below which a decoding
// is taken for mojibake: about half the bytes must read as the common
// letters of the charset's script.
const minPlausible = 0.5

// detectLegacy guesses the charset of b, 8-bit text that is not UTF-8,
// among legacyCharsets: each decoding without error is scored by how
// plausible its characters are for its script (common letters, kana and
// ideographs score, rare ones and symbols do not, scripts mixed inside
// a word count against), and the best one at or above minPlausible wins.
// Statistical detectors built for pages (ICU's, Mozilla's) need far more
// text than a subject or a file name holds; these rules do not.
func detectLegacy(b []byte) (string, string, bool) {
	high := 0
	for _, c := range b {
		if c >= 0x80 {
			high++
		}
	}
	if high == 0 {
		return "", string(b), false
	}
	best, bestText, bestScore := "", "", minPlausible-1e-9
	for _, cs := range legacyCharsets {
		text, ok := decodeWith(cs.enc, b)
		if !ok {
			continue
		}
		if s := cs.score(b, text) / float64(high); s > bestScore {
			best, bestText, bestScore = cs.name, text, s
		}
	}
	return best, bestText, best != ""
}

// legacyByName returns the legacy charset named name (any alias go-message
// knows is normalised by the caller), or false.
func legacyByName(name string) (legacyCharset, bool) {
	name = canonicalCharset(name)
	for _, cs := range legacyCharsets {
		if cs.name == name {
			return cs, true
		}
	}
	return legacyCharset{}, false
}

// canonicalCharset maps the common aliases of the legacy charsets to the
// names legacyCharsets uses; other names are returned lower-cased.
func canonicalCharset(name string) string {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	switch name {
	case "gb2312", "gbk", "cp936", "x-gbk", "euc-cn", "csgb2312", "gb_2312-80", "chinese", "x-euc-cn", "windows-936":
		return "gb18030"
	case "sjis", "shift-jis", "x-sjis", "ms_kanji", "cp932", "windows-31j", "csshiftjis", "ms932", "x-ms-cp932":
		return "shift_jis"
	case "ks_c_5601-1987", "ks_c_5601", "cp949", "euckr", "x-windows-949", "windows-949", "ksc5601", "uhc", "korean", "csksc56011987":
		return "euc-kr"
	case "big5-hkscs", "x-big5", "cn-big5", "csbig5", "cp950":
		return "big5"
	case "x-euc-jp", "eucjp", "cseucpkdfmtjapanese":
		return "euc-jp"
	case "cp1251", "x-cp1251", "win-1251":
		return "windows-1251"
	case "koi8r", "cskoi8r", "koi8-u", "koi8":
		return "koi8-r"
	case "cp1250", "x-cp1250":
		return "windows-1250"
	case "cp1253":
		return "windows-1253"
	case "cp1257":
		return "windows-1257"
	case "iso-8859-1", "latin1", "iso8859-1", "cp1252", "us-ascii", "ascii":
		return "windows-1252"
	}
	return name
}

// decodeWith decodes b strictly: false when a byte sequence is invalid in
// enc, or decodes to a control character (C1 controls are never text).
func decodeWith(enc encoding.Encoding, b []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return "", false
	}
	for _, r := range string(out) {
		if r == utf8.RuneError || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Co, r) {
			return "", false
		}
	}
	return string(out), true
}

// pairs calls f for each double-byte character of src (lead, trail), in
// the charsets where a byte at or above 0x80 starts one (all but
// single-byte ones and Shift_JIS's half-width kana); it returns the
// count of lone high bytes.
func pairs(src []byte, single func(c byte) bool, f func(lead, trail byte)) int {
	lone := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c < 0x80:
		case single != nil && single(c):
			lone++
		case c == 0x8e || c == 0x8f: // EUC-JP half-width kana and JIS X 0212: rare
			lone++
			i += 1 + int(c-0x8e)
		case i+1 < len(src):
			f(c, src[i+1])
			i++
		default:
			lone++
		}
	}
	return lone
}

// Per-character scores: a common character of the script is worth its
// two bytes; a symbol or punctuation of the charset is worth one; a rare
// character nothing; a character foreign to the language counts against.
const (
	common  = 2.0
	symbol  = 1.0
	rare    = 0.0
	foreign = -2.0
	// frequentBonus is added for the language's most frequent characters,
	// which separates readings whose common ranges overlap (GB2312 hanzi
	// and KS X 1001 Hangul share byte values).
	frequentBonus = 1.0
)

func scoreGB(src []byte, text string) float64 {
	s := -float64(pairs(src, nil, func(lead, trail byte) {}))
	pairs(src, nil, func(lead, trail byte) {
		switch {
		case lead >= 0xb0 && lead <= 0xd7 && trail >= 0xa1: // level-1 hanzi
			s += common
		case lead == 0xa4 || lead == 0xa5: // kana: not Chinese
			s += foreign
		case lead >= 0xa1 && lead <= 0xa9 && trail >= 0xa1: // punctuation, full-width forms
			s += symbol
		case lead >= 0xd8 && lead <= 0xf7 && trail >= 0xa1: // level-2 hanzi
			s += 0.5
		default: // GBK extensions: rare characters
			s += rare
		}
	})
	return s + bonus(text, frequentHans)
}

func scoreBig5(src []byte, text string) float64 {
	s := -float64(pairs(src, nil, func(lead, trail byte) {}))
	pairs(src, nil, func(lead, trail byte) {
		switch {
		case lead >= 0xa4 && lead <= 0xc5, lead == 0xc6 && trail <= 0x7e: // frequently used hanzi
			s += common
		case lead >= 0xa1 && lead <= 0xa3: // punctuation, symbols
			s += symbol
		case lead == 0xc6 || lead == 0xc7 || lead == 0xc8: // kana and extensions
			s += foreign
		default: // less frequently used hanzi
			s += rare
		}
	})
	return s + bonus(text, frequentHant)
}

func scoreEUCKR(src []byte, text string) float64 {
	s := -float64(pairs(src, nil, func(lead, trail byte) {}))
	pairs(src, nil, func(lead, trail byte) {
		switch {
		case lead >= 0xb0 && lead <= 0xc8 && trail >= 0xa1: // the 2,350 Hangul syllables of KS X 1001
			s += common
		case lead == 0xaa || lead == 0xab: // kana: not Korean
			s += foreign
		case lead >= 0xa1 && lead <= 0xac && trail >= 0xa1: // symbols, jamo
			s += symbol
		default: // Hanja and the UHC extension: rare in mail
			s += rare
		}
	})
	return s + bonus(text, frequentHangul)
}

func scoreEUCJP(src []byte, text string) float64 {
	s := -float64(pairs(src, nil, func(lead, trail byte) {}))
	pairs(src, nil, func(lead, trail byte) {
		switch {
		case lead == 0xa4 || lead == 0xa5: // hiragana, katakana
			s += common + frequentBonus
		case lead >= 0xb0 && lead <= 0xcf && trail >= 0xa1: // level-1 kanji
			s += common
		case lead >= 0xa1 && lead <= 0xa3: // punctuation, full-width forms
			s += symbol
		default: // level-2 kanji
			s += rare
		}
	})
	return s + bonus(text, frequentKanji)
}

func scoreShiftJIS(src []byte, text string) float64 {
	halfKana := func(c byte) bool { return c >= 0xa1 && c <= 0xdf }
	s := 0.0
	pairs(src, halfKana, func(lead, trail byte) {
		code := uint16(lead)<<8 | uint16(trail)
		switch {
		case code >= 0x829f && code <= 0x82f1, code >= 0x8340 && code <= 0x8396: // hiragana, katakana
			s += common + frequentBonus
		case code >= 0x889f && code <= 0x9872: // level-1 kanji
			s += common
		case lead == 0x81 || lead == 0x82: // punctuation, full-width forms
			s += symbol
		default: // level-2 kanji, vendor extensions
			s += rare
		}
	})
	return s + bonus(text, frequentKanji)
}

// bonus adds frequentBonus for each rune of text in the frequent set.
func bonus(text string, frequent map[rune]bool) float64 {
	s := 0.0
	for _, r := range text {
		if frequent[r] {
			s += frequentBonus
		}
	}
	return s
}

// runeSet returns the first n runes of s as a set.
func runeSet(s string, n int) map[rune]bool {
	set := make(map[rune]bool, n)
	for _, r := range s {
		if len(set) >= n {
			break
		}
		set[r] = true
	}
	return set
}

// The frequent-character sets: few enough that a wrong reading of the
// same bytes rarely hits them, many enough to cover most of real text.
var (
	frequentHans   = runeSet(hansByFrequency, 500)
	frequentHant   = runeSet(hantByFrequency, 500)
	frequentHangul = runeSet(hangulByFrequency, 300)
	frequentKanji  = runeSet(kanjiByFrequency, 200)
)

// scoreSingleByte scores a single-byte decoding word by word: a word of
// one script reads as text (Latin accented letters among ASCII ones,
// Cyrillic or Greek letters on their own), a word mixing scripts, an
// upper-case letter after a lower-case one, or a bare symbol reads as
// mojibake. Lower case is favoured over upper case, which tells KOI8-R
// from Windows-1251 (each one's lower case is the other's upper case).
func scoreSingleByte(_ []byte, text string) float64 {
	s := 0.0
	word := make([]rune, 0, 32)
	flush := func() {
		s += wordScore(word)
		word = word[:0]
	}
	for _, r := range text {
		if unicode.IsLetter(r) {
			word = append(word, r)
			continue
		}
		flush()
		switch {
		case r < 0x80:
		case strings.ContainsRune("«»–—“”‘’„€…°·\u00a0№", r):
			s += 0.5
		default:
			s -= 0.5
		}
	}
	flush()
	return s
}

// wordScore scores the non-ASCII letters of one word of a single-byte
// decoding.
func wordScore(word []rune) float64 {
	ascii, latin, other, high := 0, 0, 0, 0
	for _, r := range word {
		switch {
		case r < 0x80:
			ascii++
		case unicode.Is(unicode.Latin, r):
			latin++
		default:
			other++
		}
		if r >= 0x80 {
			high++
		}
	}
	switch {
	case high == 0:
		return 0
	case other == 0 && ascii > 0: // a Latin word with accents
		return float64(high)
	case other == 0: // accented letters alone: "à", or mojibake
		if high == 1 {
			return 0.5
		}
		return -0.5 * float64(high)
	case latin > 0 || ascii > 0: // scripts mixed inside a word
		return -float64(high)
	}
	if len(word) == 1 { // "в", "и": common, but weak evidence alone
		if unicode.IsLower(word[0]) {
			return 0.5
		}
		return 0
	}
	s := 0.0
	for i, r := range word {
		switch {
		case unicode.IsLower(r):
			s++
		case i > 0 && unicode.IsLower(word[i-1]):
			s-- // "слОво"
		default:
			s += 0.5
		}
	}
	return s
}

// Characters of each language, the most frequent first, for frequentBonus.
const (
	hansByFrequency   = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵硬麦蒋操耶阻订彩抽赞魔纷沿喊违妹浪汇币丰蓝殊献桌啦瓦莱援译夺汽烧距裁偏符勇触课敬哭懂墙袭召罚侠厅拜巧侧韩冒债曼融惯享戴童犹乘挂奖绍厚纵障讯涉彻刊丈爆乌役描洗玛患妙镜唱烦签仙彼弗症仿倾牌陷鸟轰咱菜闭奋庆撤泪茶疾缘播朗杜奶季丹狗尾仪偷奔珠虫驻孔宜艾桥淡翼恨繁寒伴叹旦愈潮粮缩罢聚径恰挑袋灰捕徐珍幕映裂泰隔启尖忠累炎暂估泛荒偿横拒瑞忆孤鼻闹羊呆厉衡胞零穷舍码赫婆魂灾洪腿胆津俗辩胸晓劲贫仁偶辑邦恢赖圈摸仰润堆碰艇稍迟辆废净凶署壁御奉旋冬矿抬蛋晨伏吹鸡倍糊秦盾杯租骑乏隆诊奴摄丧污渡旗甘耐凭扎抢绪粗肩梁幻菲皆碎宙叔岩荡综爬荷悉蒂返井壮薄悄扫敏碍殖详迪矛霍允幅撒剩凯颗骂赏液番箱贴漫酸郎腰舒眉忧浮辛恋餐吓挺励辞艘键伍峰尺昨黎辈贯侦滑券崇扰宪绕趋慈乔阅汗枝拖墨胁插箭腊粉泥氏彭拔骗凤慧媒佩愤扑龄驱惜豪掩兼跃尸肃帕驶堡届欣惠册储飘桑闲惨洁踪勃宾频仇磨递邪撞拟滚奏巡颜剂绩贡疯坡瞧截燃焦殿伪柳锁逼颇昏劝呈搜勤戒驾漂饮曹朵仔柔俩孟腐幼践籍牧凉牲佳娜浓芳稿竹腹跌逻垂遵脉貌柏狱猜怜惑陶兽帐饰贷昌叙躺钢沟寄扶铺邓寿惧询汤盗肥尝匆辉奈扣廷澳嘛董迁凝慰厌脏腾幽怨鞋丢埋泉涌辖躲晋紫艰魏吾慌祝邮吐狠鉴曰械咬邻赤挤弯椅陪割揭韦悟聪雾锋梯猫祥阔誉筹丛牵鸣沈阁穆屈旨袖猎臂蛇贺柱抛鼠瑟戈牢逊迈欺吨琴衰瓶恼燕仲诱狼池疼卢仗冠粒遥吕玄尘冯抚浅敦纠钻晶岂峡苍喷耗凌敲菌赔涂粹扁亏寂煤熊恭湿循暖糖赋抑秩帽哀宿踏烂袁侯抖夹昆肝擦猪炼恒慎搬纽纹玻渔磁铜齿跨押怖漠疲叛遣兹祭醉拳弥斜档稀捷肤疫肿豆削岗晃吞宏癌肚隶履涨耀扭坛拨沃绘伐堪仆郭牺歼墓雇廉契拼惩捉覆刷劫嫌瓜歇雕闷乳串娃缴唤赢莲霸桃妥瘦搭赴岳嘉舱俊址庞耕锐缝悔邀玲惟斥宅添挖呵讼氧浩羽斤酷掠妖祸侍乙妨贪挣汪尿莉悬唇翰仓轨枚盐览傅帅庙芬屏寺胖璃愚滴疏萧姿颤丑劣柯寸扔盯辱匹俱辨饿蜂哦腔郁溃谨糟葛苗肠忌溜鸿爵鹏鹰笼丘桂滋聊挡纲肌茨壳痕碗穴膀卓贤卧膜毅锦欠哩函茫昂薛皱夸豫胃舌剥傲拾窝睁携陵哼棉晴铃填饲渴吻扮逆脆喘罩卜炉柴愉绳胎蓄眠竭喂傻慕浑奸扇柜悦拦诞饱乾泡贼亭夕爹酬儒姻卵氛泄杆挨僧蜜吟猩遂狭肖甜霉滩袍兆浙茂赌昭浦衬沪蕾宛姨骤抄壶"
	hantByFrequency   = "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之年過發後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣理心她本前開但因只從想實日軍者意無力它與長把機十民第公此已工使情明性知全三又關點正業外將兩高間由問很最重並物手應戰向頭文體政美相見被利什二等產或新己制身果加西斯月話合回特代內信表化老給世位次度門任常先海通教兒原東聲提立及比員解水名真論處走義各入幾口認條平系氣題活爾更別打女變四神總何電數安少報才結反受目太量再感建務做接必場件計管期市直德資命山金指克許統區保至隊形社便空決治展馬科司五基眼書非則聽白卻界達光放強即像難且權思王象完設式色路記南品住告類求據程北邊死張該交規萬取拉格望覺術領共確傳師觀清今切院讓識候帶導爭運笑飛風步改收根乾造言聯持組每濟車親極林服快辦議往元英士證近失轉夫令準布始怎呢存未遠叫台單影具羅字愛擊流備兵連調深商算質團集百需價花黨華城石級整府離況亞請技際約示復病息究線似官火斷精滿支視消越器容照須九增研寫稱企八功嗎包片史委乎查輕易早曾除農找裝廣顯吧阿李標談吃圖念六引歷首醫局突專費號盡另周較注語僅考落青隨選列武紅響雖推勢參希古眾構房半節土投某案黑維革劃敵致陳律足態護七興派孩驗責營星夠章音跟志底站嚴巴例防族供效續施留講型料終答緊黃絕奇察母京段依批群項故按河米圍江織害鬥雙境客紀採舉殺攻父蘇密低朝友訴止細願千值仍男錢破網熱助倒育屬坐帝限船臉職速刻樂否剛威毛狀率甚獨球般普怕彈校苦創假久錯承印晚蘭試股拿腦預誰益陽若哪微尼繼送急血驚傷素藥適波夜省初喜衛源食險待述陸習置居勞財環排福納歡雷警獲模充負雲停木遊龍樹疑層冷洲衝射略範竟句室異激漢村哈策演簡卡罪判擔州靜退既衣您宗積餘痛檢差富靈協角佔配徵修皮揮勝降階審沉堅善媽劉讀啊超免壓銀買皇養伊懷執副亂抗犯追幫宣佛歲航優怪香著田鐵控稅左右份穿藝背陣草腳概惡塊頓敢守酒島託央戶烈洋哥索胡款靠評版寶座釋景顧弟登貨互付伯慢歐換聞危忙核暗姐介壞討麗良序升監臨亮露永呼味野架域沙掉括艦魚雜誤灣吉減編楚肯測敗屋跑夢散溫困劍漸封救貴槍缺樓縣尚毫移娘朋畫班智亦耳恩短掌恐遺固席松秘謝魯遇康慮幸均銷鐘詩藏趕劇票損忽巨炮舊端探湖錄葉春鄉附吸予禮港雨呀板庭婦歸睛飯額含順輸搖招婚脫補謂督毒油療旅澤材滅逐莫筆亡鮮詞聖擇尋廠睡博勒煙授諾倫岸奧唐賣俄炸載洛健堂旁宮喝借君禁陰園謀宋避抓榮姑孫逃牙束跳頂玉鎮雪午練迫爺篇肉嘴館遍凡礎洞卷坦牛寧紙諸訓私莊祖絲翻暴森塔默握戲隱熟骨訪弱蒙歌店鬼軟典欲薩夥遭盤爸擴蓋弄雄穩忘億刺擁徒姆楊齊賽趣曲刀床迎冰虛玩析窗醒妻透購替塞努休虎揚途侵刑綠兄迅套貿畢唯谷輪庫跡尤競街促延震棄甲偉麻川申緩潛閃售燈針哲絡抵朱埃抱鼓植純夏忍頁傑築折鄭貝尊吳秀混臣雅振染盛怒舞圓搞狂措姓殘秋培迷誠寬宇猛擺梅毀伸摩盟末乃悲拍丁趙硬麥蔣操耶阻訂彩抽贊魔紛沿喊違妹浪匯幣豐藍殊獻桌啦瓦萊援譯奪汽燒距裁偏符勇觸課敬哭懂牆襲召罰俠廳拜巧側韓冒債曼融慣享戴童猶乘掛獎紹厚縱障訊涉徹刊丈爆烏役描洗瑪患妙鏡唱煩簽仙彼弗症仿傾牌陷鳥轟咱菜閉奮慶撤淚茶疾緣播朗杜奶季丹狗尾儀偷奔珠蟲駐孔宜艾橋淡翼恨繁寒伴嘆旦愈潮糧縮罷聚徑恰挑袋灰捕徐珍幕映裂泰隔啟尖忠累炎暫估泛荒償橫拒瑞憶孤鼻鬧羊呆厲衡胞零窮舍碼赫婆魂災洪腿膽津俗辯胸曉勁貧仁偶輯邦恢賴圈摸仰潤堆碰艇稍遲輛廢淨兇署壁禦奉旋冬礦抬蛋晨伏吹雞倍糊秦盾杯租騎乏隆診奴攝喪汙渡旗甘耐憑扎搶緒粗肩梁幻菲皆碎宙叔岩蕩綜爬荷悉蒂返井壯薄悄掃敏礙殖詳迪矛霍允幅撒剩凱顆罵賞液番箱貼漫酸郎腰舒眉憂浮辛戀餐嚇挺勵辭艘鍵伍峰尺昨黎輩貫偵滑券崇擾憲繞趨慈喬閱汗枝拖墨脅插箭臘粉泥氏彭拔騙鳳慧媒佩憤撲齡驅惜豪掩兼躍屍肅帕駛堡屆欣惠冊儲飄桑閒慘潔蹤勃賓頻仇磨遞邪撞擬滾奏巡顏劑績貢瘋坡瞧截燃焦殿偽柳鎖逼頗昏勸呈搜勤戒駕漂飲曹朵仔柔倆孟腐幼踐籍牧涼牲佳娜濃芳稿竹腹跌邏垂遵脈貌柏獄猜憐惑陶獸帳飾貸昌敘躺鋼溝寄扶鋪鄧壽懼詢湯盜肥嘗匆輝奈扣廷澳嘛董遷凝慰厭髒騰幽怨鞋丟埋泉湧轄躲晉紫艱魏吾慌祝郵吐狠鑑曰械咬鄰赤擠彎椅陪割揭韋悟聰霧鋒梯貓祥闊譽籌叢牽鳴沈閣穆屈旨袖獵臂蛇賀柱拋鼠瑟戈牢遜邁欺噸琴衰瓶惱燕仲誘狼池疼盧仗冠粒遙呂玄塵馮撫淺敦糾鑽晶豈峽蒼噴耗凌敲菌賠塗粹扁虧寂煤熊恭濕循暖糖賦抑秩帽哀宿踏爛袁侯抖夾昆肝擦豬煉恆慎搬紐紋玻漁磁銅齒跨押怖漠疲叛遣茲祭醉拳彌斜檔稀捷膚疫腫豆削崗晃吞宏癌肚隸履漲耀扭壇撥沃繪伐堪僕郭犧殲墓僱廉契拼懲捉覆刷劫嫌瓜歇雕悶乳串娃繳喚贏蓮霸桃妥瘦搭赴嶽嘉艙俊址龐耕銳縫悔邀玲惟斥宅添挖呵訟氧浩羽斤酷掠妖禍侍乙妨貪掙汪尿莉懸唇翰倉軌枚鹽覽傅帥廟芬屏寺胖璃愚滴疏蕭姿顫醜劣柯寸扔盯辱匹俱辨餓蜂哦腔鬱潰謹糟葛苗腸忌溜鴻爵鵬鷹籠丘桂滋聊擋綱肌茨殼痕碗穴膀卓賢臥膜毅錦欠哩函茫昂薛皺誇豫胃舌剝傲拾窩睜攜陵哼棉晴鈴填飼渴吻扮逆脆喘罩卜爐柴愉繩胎蓄眠竭餵傻慕渾奸扇櫃悅攔誕飽泡賊亭夕爹酬儒姻卵氛洩桿挨僧蜜吟猩遂狹肖甜黴灘袍兆浙茂賭昭浦襯滬蕾宛姨驟抄壺"
	hangulByFrequency = "이의다는에하고를을가서지한로기사니습도리게대자시아인수있나해그어으부일요들정우기면주보전내제에서만원중연상관여성신업위세장경방문소회분안동과라무진국모구발마화생선것학적미조비계영명민용저개공실현물교유식행거거나데실결작입스간최말되운등원통같후더전차오월터때감래당단금체점또설량반오늘새양심희랑님메확드렸립니다"
	kanjiByFrequency  = "日一大年中会人本月長出三時行見二上間地分後子前者新学手自社事生方円東京同現国合市発場理代言思定対部気金目問法入下業明高会議社員様件御願申送信確認連絡内容返事予定資料添付宜変更休"
)
