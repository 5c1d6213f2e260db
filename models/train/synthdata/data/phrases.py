"""Names glued to a particle or an honorific (Japanese さん / 様, Korean 님 / 에게, Chinese 的 / 老师, Turkish case
endings): phrases per slot and locale, which the {name_*} slots of slots.py draw by the example's locale.  The
entity is the name alone: the particle or honorific is plain text beside it.  Also the letters the Turkish
endings are chosen by (slots._tr_suffix)."""

# Training phrases (the v12t.* families).
NAME_PHRASES = {
    "name_chat": {
        "ja_JP": ["{first}さん", "{last}様", "{last}さんからのメッセージ", "{first}さんとのトーク", "{last}様へのご返信",
                  "{last}さん、{chat_msg}", "{last}先生", "{first}ちゃんからのLINE", "{last}さんに返信", "{last}さんが入室しました"],
        "ko_KR": ["{first}님", "{person}님에게", "{person}님과의 대화", "{first}님이 메시지를 보냈습니다", "{last} 팀장님",
                  "{first}씨", "{person}님께 답장", "{first}님의 메시지", "{first}님이 파일을 공유했습니다"],
        "zh_CN": ["和{person}的聊天", "{person}发来的消息", "回复{last}老师", "给{person}的消息", "{first}：{chat_msg}",
                  "{last}先生的来信", "{person}的私信", "{last}总@了你"],
        "tr_TR": ["{tr_dat} mesaj", "{first} ile sohbet", "{tr_abl} yeni mesaj", "{person} ile konuşma", "{tr_dat} cevap",
                  "{first} Hanım", "{first} Bey", "{tr_abl} dosya geldi"],
    },
    "name_meet": {
        "ja_JP": ["{last}さんとの打ち合わせ", "{last}様との面談", "{first}さんと1on1", "{last}さん主催の会議",
                  "{last}様ご来社 打ち合わせ", "{last}部長との定例"],
        "ko_KR": ["{person}님과의 회의", "{first}님과 1:1", "{last} 부장님 미팅", "{person}님 주최 회의", "{first}님과 통화"],
        "zh_CN": ["与{person}的会议", "和{last}总的电话会议", "{person}主持的周会", "与{first}的一对一", "{last}经理的面谈"],
        "tr_TR": ["{first} ile toplantı", "{tr_with} görüşme", "{person} ile 1:1", "{tr_abl} toplantı daveti",
                  "{first} Bey ile görüşme"],
    },
    # Held-out phrases (unseen-12's v12.particle_* families only; none is a training phrase).
    "name_mail12": {
        "ja_JP": ["{last}様よりご連絡", "{first}さん宛てのメール", "Re: {last}様のお問い合わせ", "{last}さんへの請求書送付"],
        "ko_KR": ["{person}님이 보낸 메일", "{last} 과장님께 회신", "{first}님 메일 확인", "{person}님에게 견적서 발송"],
        "zh_CN": ["{last}经理的邮件", "发给{person}的邮件", "回复：{first}的询问", "抄送{last}老师"],
    },
    "name_task12": {
        "ja_JP": ["{last}さん担当のタスク", "{first}さんの作業予定", "{last}様向け提案の準備", "{last}さんのレビュー待ち"],
        "ko_KR": ["{person}님 담당 업무", "{first}님에게 할당됨", "{last} 대리님 일정", "{first}님 검토 대기"],
        "zh_CN": ["分配给{person}的任务", "{first}负责的需求", "{last}老师的待办", "等{last}总确认的排期"],
    },
}

# Particles and honorifics written right after a name in the phrases above: an entity never ends with one
# (test_generate.py).
NAME_PARTICLES = ["さん", "様", "先生", "ちゃん", "部長", "님", "씨", "에게", "께", "的", "老师", "总", "经理", "发来",
                  "负责", "主持", "'"]

TR_BACK_VOWELS = "aıou"
TR_FRONT_VOWELS = "eiöü"
TR_VOICELESS = "fstkçşhp"
