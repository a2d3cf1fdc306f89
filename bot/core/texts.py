"""Every fixed sentence a villager sees, in Chinese and English.

Kept in one place so a translator or a legal reviewer can read them all at
once, and so channels never write their own wording.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "zh": "您好，我是「明白」，村里的法律明白人助手。\n"
              "您可以直接打字问我法律问题，比如：工钱被拖欠、被骗了、邻居占地、家暴、老人没人赡养、离婚、借钱不还。\n"
              "我会告诉您该找谁、去哪里、带什么。需要真人帮忙，随时点「🙋 找人工」。\n"
              "免费法律咨询热线：12348。\n\n也可以点下面的话题：",
        "en": "Hello, I am Mingbai, the village law helper.\n"
              "Type your legal question in your own words — unpaid wages, a scam, a neighbour's wall, domestic violence, "
              "an elderly parent nobody supports, divorce, a debt. I will tell you whom to call, where to go and what to bring. "
              "For a real person, press \"Talk to a person\" at any time.\n"
              "Free legal advice hotline: 12348.\n\nOr pick a topic:",
    },
    "help": {
        "zh": "怎么用：直接打字说您的事，说得越具体越好；也可以点下面的按钮。\n"
              "紧急情况请直接打110；免费法律咨询打12348。",
        "en": "How to use: type your problem in your own words, the more specific the better; or press a button below.\n"
              "In an emergency call 110; free legal advice: 12348.",
    },
    "topics": {"zh": "请选择话题：", "en": "Choose a topic:"},
    "topic_questions": {"zh": "「{group}」常见问题：", "en": "Common questions on {group}:"},
    "clarify": {"zh": "您是想问：", "en": "Did you mean:"},
    "clarify_none": {"zh": "都不是", "en": "None of these"},
    "fallback": {
        "zh": "抱歉，这个问题我还答不好，不想乱说误导您。\n"
              "您可以：\n1. 换个说法再问一次；\n2. 点「找人工」，让真人顾问来回答；\n3. 拨打12348公共法律服务热线免费咨询。\n"
              "我已经把您的问题记下来，用来改进。",
        "en": "Sorry, I can't answer that well yet, and I don't want to mislead you.\n"
              "You can:\n1. ask again in other words;\n2. press \"Talk to a person\" for a human adviser;\n"
              "3. call the 12348 public legal service hotline for free advice.\nI have noted your question to improve.",
    },
    "fallback_legal": {
        "zh": "这个法律问题超出了我能可靠回答的范围，不想乱说误导您。\n"
              "建议马上找真人：点下面的「找人工」让法律顾问来回答，或拨打12348公共法律服务热线免费咨询。\n"
              "我已经把您的问题记下来，用来改进。",
        "en": "This legal question is beyond what I can answer reliably, and I don't want to mislead you.\n"
              "Please ask a person: press \"Talk to a person\" below for a legal adviser, or call the 12348 public legal "
              "service hotline for free advice.\nI have noted your question to improve.",
    },
    "fallback_other": {
        "zh": "不好意思，这个我帮不上忙：我是法律明白人助手，只回答法律方面的问题，"
              "比如工钱被拖欠、被骗了、邻居纠纷、家暴、赡养老人、离婚、借钱不还、法律援助。\n"
              "有法律上的事，直接打字告诉我；点「📚 按话题看」看常见问题；也可以拨打12348免费法律咨询。",
        "en": "Sorry, I can't help with that: I am a legal helper and answer legal questions only, such as unpaid wages, "
              "scams, neighbour disputes, domestic violence, support for elderly parents, divorce, debts and legal aid.\n"
              "Tell me about any legal trouble, press \"Browse topics\" for common questions, or call 12348 for free legal advice.",
    },
    "closest_topic": {"zh": "最接近的话题：", "en": "The closest topic:"},
    "danger_line": {
        "zh": "如果您或家人正有危险，请马上打110（受伤打120）。",
        "en": "If you or your family are in danger now, call 110 at once (120 if someone is hurt).",
    },
    "fallback_again": {
        "zh": "看来我帮不上这个忙。建议直接找真人顾问：点下面的「找人工」，或拨打12348免费咨询。",
        "en": "It looks like I can't help with this. Please talk to a human adviser: press \"Talk to a person\" below, "
              "or call 12348 for free advice.",
    },
    "helpful_thanks": {"zh": "谢谢您的反馈！还有别的问题可以继续问我。", "en": "Thank you! Ask me anything else."},
    "not_helpful": {
        "zh": "抱歉没帮上忙，我已记下来改进。要不要找真人顾问？也可以拨打12348。",
        "en": "Sorry that didn't help; I have noted it. Would you like a human adviser? You can also call 12348.",
    },
    "handoff_started": {
        "zh": "好的，已为您转接人工法律顾问，请在这里等候回复，不用重复说明，他们能看到您刚才的对话。\n"
              "顾问上班时间一般会尽快回复；着急的话也可以拨打12348。",
        "en": "OK, I have asked a human legal adviser to join. Please wait here; you don't need to repeat yourself, "
              "they can see our conversation.\nIf it is urgent you can also call 12348.",
    },
    "handoff_urgent": {
        "zh": "已为您优先转接人工顾问。若有人身危险，请先打110。",
        "en": "A human adviser has been asked to join with priority. If you are in danger, call 110 first.",
    },
    "non_text": {
        "zh": "我暂时只能看懂文字。请用文字简单说说您遇到的事；需要真人帮忙请点「找人工」。",
        "en": "I can only read text for now. Please describe your problem in words; press \"Talk to a person\" for a human.",
    },
    "voice": {
        "zh": "我暂时听不了语音。请用文字说说您遇到的事（可以用手机的语音转文字）；需要真人帮忙请点「找人工」。",
        "en": "I can't listen to voice messages yet. Please type your question (your phone's voice-to-text works); "
              "press \"Talk to a person\" for a human.",
    },
    "lang_choose": {"zh": "请选择语言 / Choose a language:", "en": "Choose a language / 请选择语言:"},
    "lang_set": {"zh": "好的，之后我用中文回复。", "en": "OK, I will reply in English from now on."},
    "cancelled": {"zh": "好的，已退出。还有什么可以直接问我。", "en": "OK, stopped. Ask me anything else."},
    "nothing_to_cancel": {"zh": "现在没有进行中的问答。直接打字问我就行。", "en": "Nothing to cancel. Just type your question."},
    "privacy": {
        "zh": "我们保存：\n"
              "1. 您发来的文字和机器人的回复（手机号、身份证号、银行卡号会被遮盖）、您点的「有帮助/没帮助」："
              "{days}天后自动删除。\n"
              "2. 转人工的记录（您和顾问说的话、顾问的备注和小结、您的评分）和您选的语言、所在地区："
              "不会自动删除，一直保存到您自己删除。\n"
              "3. 您说「请打给我」时留下的手机号：只有接手的顾问能看到，结案或您删除记录时就删掉。\n"
              "这些只用于回答您和改进服务。点下面的「删除我的全部记录」可以随时删除：对话全部删掉，"
              "转人工的记录只留下不带内容、和您无关的统计数字。\n"
              "服务的备份里可能还留有删除前的记录，直到那份备份按管理员设定的份数轮换删掉。",
        "en": "We store:\n"
              "1. Your messages and the bot's replies (phone, ID-card and bank-card numbers are masked) and your "
              "helpful/not-helpful votes: deleted automatically after {days} days.\n"
              "2. Handoff records (what you and the advisers wrote, their notes and summary, your rating) and your "
              "language and area: not deleted automatically; kept until you delete them.\n"
              "3. A phone number you leave when you ask to be called back: shown only to the adviser handling your "
              "case, deleted when the case closes or when you delete your data.\n"
              "All of it is used only to answer you and improve the service. Press \"Delete all my data\" below to "
              "delete it at any time: the conversation goes, and of your handoffs only figures without their content, "
              "not linked to you, remain.\n"
              "Copies made before you delete may remain in the service's backups until those backups are rotated "
              "out (the administrators choose how many are kept).",
    },
    "forget_confirm": {
        "zh": "确定要删除您在这里的全部记录吗？删除后无法恢复。",
        "en": "Delete everything stored about you here? This cannot be undone.",
    },
    "forget_done": {"zh": "已删除您的全部记录。", "en": "All your data has been deleted."},
    "forget_kept": {"zh": "好的，没有删除。", "en": "OK, nothing was deleted."},
    "where_ask": {
        "zh": "您在哪个县（区、市）或乡镇？比如：犍为县、五通桥区、峨眉山市。",
        "en": "Which county, district or township are you in? For example: 犍为县, 五通桥区, 峨眉山市.",
    },
    "where_set": {"zh": "好的，记住了：{area}。之后会告诉您附近办事的地方。", "en": "Got it: {area}. I will point you to offices near you."},
    "where_unknown": {
        "zh": "没找到这个地方。请写县（区、市）的名字，比如「犍为县」；不想说就点「退出」。",
        "en": "I couldn't find that place. Please write the county name, e.g. 犍为县, or press Exit.",
    },
    "county_ask": {
        "zh": "请问您在哪个县（区、市）？选一下，我把您的求助转给当地的法律顾问。",
        "en": "Which county or district are you in? Choose one and your request goes to the advisers there.",
    },
    "county_hint": {
        "zh": "告诉我您在哪个县（区、市）（点下面的「📍 告诉我您在哪个县」），我就能告诉您当地{office}在哪里。",
        "en": "Tell me your county or district (tap 「📍 Tell me your county」 below) and I can tell you where your local {office} is.",
    },
    "handoff_waiting": {"zh": "您的请求已经在排队了，顾问会在这里回复您。", "en": "Your request is already in the queue; an adviser will reply here."},
    "queue_next": {"zh": "您排在第1位，下一个就轮到您。", "en": "You are next in the queue."},
    "queue_position": {"zh": "您排在第{position}位，前面还有{ahead}位，请稍等。",
                       "en": "You are number {position} in the queue ({ahead} ahead of you)."},
    "adviser_joined": {"zh": "👩‍⚖️ {name}已经接手您的问题，会在这里回复您。",
                       "en": "👩‍⚖️ {name} has taken your question and will reply here."},
    "end_button": {"zh": "结束人工对话", "en": "End the conversation"},
    "no_case": {"zh": "现在没有进行中的人工对话。", "en": "There is no conversation with an adviser to end."},
    "case_closed": {
        "zh": "这次人工咨询已经结束，谢谢您的信任！请给这次服务打个分（1到5星）：",
        "en": "This conversation with the adviser has ended. Thank you! Please rate the service (1 to 5 stars):",
    },
    "rating_thanks": {"zh": "谢谢您的评分！愿意的话，可以再写一句意见或建议（直接打字）。",
                      "en": "Thank you for rating! If you like, type a comment or suggestion."},
    "comment_thanks": {"zh": "收到，谢谢您！还有问题可以随时问我。", "en": "Received, thank you! Ask me anything else at any time."},
    "adviser_sent_media": {"zh": "（发来一个文件）", "en": "(sent a file)"},
    "blocked": {"zh": "抱歉，本服务暂时不能继续为您提供。如需法律帮助，请拨打12348。",
                "en": "Sorry, this service can no longer help you here. For legal help, call 12348."},
    "timeout": {
        "zh": "顾问们暂时都在忙，还没能接您的对话，抱歉让您久等。您可以：\n"
              "1. 继续在这里留言，把事情经过、时间、对方是谁写清楚，顾问上线后会回复；\n2. 着急的话拨打12348免费咨询；有危险请打110。",
        "en": "All advisers are busy and nobody has taken your conversation yet, sorry for the wait. You can:\n1. leave the "
              "details here (what happened, when, who) and an adviser will reply;\n2. call 12348 for free advice now; in "
              "danger, call 110.",
    },
    "out_of_hours": {
        "zh": "现在是下班时间（顾问工作时间：{hours}），顾问上班后会在这里回复您。您可以先把事情经过写下来。着急请拨打12348；有危险请打110。",
        "en": "Advisers are off duty now (hours: {hours}); one will reply here when they are back. You can write down what "
              "happened meanwhile. If urgent, call 12348; in danger, call 110.",
    },
    "stale_button": {"zh": "这个按钮已经过期了。直接打字问我就行。", "en": "That button has expired. Just type your question."},
    "storage_down": {
        "zh": "⚠️ 系统暂时出了故障：这次的对话没能保存，现在也不能转人工。有危险请打110；法律咨询请拨打12348。",
        "en": "⚠️ The system has a fault: this conversation could not be saved and no adviser can be reached here now. "
              "In danger call 110; for legal advice call 12348.",
    },
    "case_withdrawn": {
        "zh": "好的，已取消转人工。顾问还没有回复过您，所以不用打分。还有问题可以直接问我；着急请拨打12348。",
        "en": "OK, your request for a person is withdrawn. No adviser had replied yet, so there is nothing to rate. "
              "Ask me anything else; if it is urgent, call 12348.",
    },
    "bring_more": {"zh": "以上是回答里提到的材料；具体要哪些，以您去的部门说的为准。",
                   "en": "These are the papers the answer mentions; the office you go to says what it needs."},
    "flow_left": {"zh": "（刚才的问答已经退出了。）", "en": "(I have left the earlier questions.)"},
    "flow_resume": {"zh": "（刚才的问答还在，回答上面的问题即可继续；点「退出」离开。）",
                    "en": "(Your earlier questions are still open: answer above to continue, or press Exit.)"},
    # the guided checks (bot/flows/)
    "flow_unclear": {"zh": "没太明白，请点下面的按钮或直接回答：",
                     "en": "Sorry, I didn't quite get that. Please tap a button below or just answer:"},
    "flow_choice_hint": {"zh": "（点按钮，或回复序号）", "en": "(Tap a button or reply with its number.)"},
    "flow_bring": {"zh": "申请时带上：", "en": "What to bring: "},
    "flow_restarted": {"zh": "这个问答刚更新过，我们从头开始。\n\n", "en": "This check has just been updated, so let's start again.\n\n"},
    "flow_gone": {"zh": "这个问答已经停用了。您可以直接提问，或者找人工咨询。",
                  "en": "This check is no longer available. You can ask your question directly, or talk to a person."},
    # where to go (bot/content/places.py `describe`): {kind} is the kind of office, e.g. 法律援助中心
    "office_unknown": {"zh": "您所在地区的{kind}信息还没有录入，请拨打12348询问离您最近的{kind}。",
                       "en": "The {kind} for your area has not been entered yet; please call 12348 and ask for the nearest {kind}."},
    "office_details": {"zh": "{name}：{address}，电话{phone}", "en": "{name}: {address}, phone {phone}"},
    "office_hours": {"zh": "，办公时间：{hours}", "en": ", hours: {hours}"},
    "office_missing_here": {"zh": "{area}的{kind}信息还没有录入，", "en": "The {kind} for {area} has not been entered yet. "},
    "office_elsewhere": {"zh": "{missing}这是{there}的{kind}，也可以拨打12348询问离您更近的：\n{details}",
                         "en": "{missing}This is the {there} one; you can also call 12348 and ask for a nearer one:\n{details}"},
    # WeChat (bot/channels/wechat/): typed numbers stand in for buttons
    "wechat_choice_hint": {"zh": "回复数字即可选择：", "en": "Reply with a number to choose:"},
    "wechat_cut_short": {"zh": "（内容较长，这里只显示了前一部分。详细情况请拨打 12348 免费咨询。）",
                         "en": "(This is long; only the first part is shown here. For details call 12348 for free advice.)"},
    "wechat_voice_heard": {"zh": "（语音：{text}）", "en": "(Voice: {text})"},
    "wechat_trouble": {"zh": "抱歉，系统出了点问题，请过一会儿再发一次。急事请拨打 12348 法律援助热线；有危险请打 110。",
                       "en": "Sorry, something went wrong; please send it again in a while. If urgent, call the 12348 "
                             "legal aid hotline; in danger, call 110."},
    # the web chat's refusals (bot/channels/webchat/): the page shows them as they are, so `both` languages
    "web_too_fast": {"zh": "您发得太快了，请歇一分钟再发。",
                     "en": "You are sending messages too fast. Please wait a minute and try again."},
    "web_busy_network": {"zh": "您所在的网络上发来的消息太多了，请稍等一分钟再发。",
                         "en": "Too many messages from your network right now. Please wait a minute and try again."},
    "web_too_many_new": {"zh": "您所在的网络上新开的对话太多了，请过一会儿再试。已经在聊的对话不受影响。",
                         "en": "Too many new conversations from your network. Please try again later; ongoing ones are not affected."},
    "web_too_long": {"zh": "消息太长了，最多{limit}个字，请分几次发。", "en": "Message too long: at most {limit} characters. Please send it in parts."},
    "web_too_big": {"zh": "消息太大了，请分几次发。", "en": "Message too large. Please send it in parts."},
    "web_unreadable": {"zh": "没看懂这条消息，请重新输入。", "en": "This message could not be read. Please try again."},
    "web_no_cookie": {"zh": "请刷新页面后再试。", "en": "Please reload the page and try again."},
    "web_other_site": {"zh": "请在明白的聊天页面里发送。", "en": "Please send from the mingbai chat page."},
    "web_operator": {"zh": "本服务由{name}提供", "en": "Run by {name}"},  # under the page's header (faq/site.yaml)
    "web_no_county": {"zh": "没有这个县（区）的页面。", "en": "No page for this county."},
    # the deadline calculator (bot/core/deadlines.py): the count's pieces, then its questions; the examples are forms
    # `parse_when` reads
    "deadline_title": {"zh": "算一算还有多久",
                       "en": "How long do I have?"},
    "deadline_rule": {"zh": "期限：{period}（{source}）\n起算：{starts}",
                      "en": "Time limit: {period} ({source})\nCounted: {starts}"},
    "deadline_exceptions": {"zh": "例外：{exceptions}",
                            "en": "Exceptions: {exceptions}"},
    "deadline_ends": {"zh": "按您说的时间（{happened}）算，期限到{ends}为止。",
                      "en": "Counting from the time you gave ({happened}), it ends on {ends}."},
    "deadline_left": {"zh": "还有{span}。",
                      "en": "You have {span} left."},
    "deadline_today": {"zh": "今天就是最后一天。",
                       "en": "Today is the last day."},
    "deadline_passed": {"zh": "按这个算，期限很可能已经过了，已经过去{span}。",
                        "en": "On this count the time limit has probably passed: it ended {span} ago."},
    "deadline_close": {"zh": "时间不多了，请马上行动：尽快拨打12348，或到法律援助中心找人帮您看一看。",
                       "en": "Time is short: act now. Call 12348 or go to the legal aid centre and have someone look at your case."},
    "deadline_act": {"zh": "不要自己就放弃：有例外情况时可能还来得及，请马上拨打12348，或找法律援助中心、律师确认。",
                     "en": "Do not give up on your own: an exception may still leave you time. Call 12348 now, or ask the legal aid centre or a lawyer."},
    "deadline_part": {"zh": "「{word}」是一段时间，我按最早的一天（{happened}）算的；记得具体是哪天的，再点「算一算还有多久」发那一天，能算得更准。",
                      "en": "\"{word}\" covers several days, so I counted from the earliest ({happened}); if you remember the exact day, "
                            "press \"How long do I have?\" again and send it."},
    "deadline_caveat": {"zh": "提醒：这只是大致估算。真正从哪天起算、有没有时效中断、中止等例外，都会改变结果；请拨打12348公共法律服务热线或咨询律师确认。",
                        "en": "Note: this is only an estimate. The real start date and exceptions such as interruption or suspension of the "
                              "period can change it; confirm with the 12348 public legal service hotline or a lawyer."},
    "deadline_ask": {"zh": "这件事是什么时候发生的（或者您什么时候知道的）？",
                     "en": "When did it happen (or when did you find out)?"},
    "deadline_examples": {"zh": "可以这样写：2025年5月3日、去年年底、三个月前。",
                          "en": "For example: 3 May 2025, May 2025, 3 months ago."},
    "deadline_vague": {"zh": "记不清具体哪天的，写个大概也行，比如「去年年底」。",
                       "en": "If you don't remember the day, the month is enough, e.g. May 2025."},
    "deadline_leave": {"zh": "不想算了，点「退出」或发「退出」。",
                       "en": "To stop, press Exit (or type 退出)."},
    "deadline_unclear": {"zh": "没看懂这个时间。",
                         "en": "I couldn't read that date."},
    "deadline_lunar": {"zh": "您说的「{word}」是按农历（阴历）算的。农历和公历（阳历）每年差的天数不一样，我不替您换算，免得把期限算错。"
                             "请告诉我公历的日期或月份，比如「2025年1月20日」「2025年1月」；手机日历上农历和公历都能看到。",
                       "en": "\"{word}\" is a lunar-calendar date. The lunar calendar is off the Gregorian one by a different number of days "
                             "each year, so I won't convert it and risk getting your deadline wrong. Please give the Gregorian date or "
                             "month, e.g. 20 January 2025 or January 2025; your phone's calendar shows both."},
}

#: What advisers see for the emergency a villager signalled (their card, the console's queue).
DANGER_LABELS = {
    "poison": "中毒 poisoning", "self_harm": "轻生 suicide risk", "violence": "人身危险 violence",
    "fraud_now": "正在被骗 fraud in progress",
}

BUTTONS: dict[str, dict[str, str]] = {
    "more": {"zh": "📖 详细说明", "en": "📖 Full details"},
    "bring": {"zh": "🎒 要带什么", "en": "🎒 What to bring"},
    "basis": {"zh": "⚖️ 法律依据", "en": "⚖️ Legal basis"},
    "helpful": {"zh": "👍 有帮助", "en": "👍 Helpful"},
    "not_helpful": {"zh": "👎 没帮助", "en": "👎 Not helpful"},
    "human": {"zh": "🙋 找人工", "en": "🙋 Talk to a person"},
    "human_urgent": {"zh": "🆘 马上找人工", "en": "🆘 A person, now"},
    "deadline": {"zh": "⏳ 算一算还有多久", "en": "⏳ How long do I have?"},
    "eligibility": {"zh": "✅ 测一测能不能申请法律援助", "en": "✅ Check if I can get legal aid"},
    "topics": {"zh": "📚 按话题看", "en": "📚 Browse topics"},
    "yes_forget": {"zh": "确定删除", "en": "Yes, delete"},
    "no_forget": {"zh": "不删了", "en": "No, keep"},
    "exit": {"zh": "退出", "en": "Exit"},
    "county_unsure": {"zh": "不清楚 / 其他地方", "en": "Not sure / elsewhere"},
    "where": {"zh": "📍 告诉我您在哪个县", "en": "📍 Tell me your county"},
    "privacy": {"zh": "🔒 我们保存什么", "en": "🔒 What we store"},
    "forget": {"zh": "🗑️ 删除我的全部记录", "en": "🗑️ Delete all my data"},
    "lang_zh": {"zh": "中文", "en": "中文"},  # each language is named in its own words
    "lang_en": {"zh": "English", "en": "English"},
}

#: The slash commands a villager can send, with what each does (shown by /help and registered with Telegram).
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("开始，看看能问什么", "Start: what I can help with"),
    "help": ("怎么用", "How to use this bot"),
    "topics": ("按话题浏览常见问题", "Browse common questions"),
    "human": ("找真人法律顾问", "Talk to a human adviser"),
    "end": ("结束和顾问的对话", "End the conversation with an adviser"),
    "where": ("告诉我您在哪个县、乡镇", "Tell me your county or township"),
    "lang": ("切换语言 中文/English", "Switch language"),
    "cancel": ("退出当前问答", "Leave the current questions"),
    "privacy": ("我们保存什么", "What we store"),
    "forget": ("删除我的全部记录", "Delete all my data"),
}


def text(key: str, lang: str, **values: str) -> str:
    """The sentence `key` in `lang` ("zh" unless "en"), with {placeholders} filled."""
    template = TEXTS[key]["en" if lang == "en" else "zh"]
    return template.format(**values) if values else template


def label(key: str, lang: str) -> str:
    return BUTTONS[key]["en" if lang == "en" else "zh"]


def both(key: str, **values: str) -> str:
    """The sentence in Chinese, then English on the next line: for answers given before the villager's language
    is known (the web chat's refusals)."""
    return f"{text(key, 'zh', **values)}\n{text(key, 'en', **values)}"
