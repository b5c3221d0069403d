/// The curated word lists behind `ToxicityEvaluator`, kept apart from the logic so they can be reviewed.
///
/// Deliberately small and tasteful: common insults, crude put-downs and threats, plus a few "slur-lite" terms.
/// Severe identity slurs are left out on purpose — listing them verbatim in a repository is its own harm, and a
/// local gateway's toxicity flag is a prompt for review, not a moderation system. Words that are insults only
/// when aimed at someone ("stupid", バカ, ゴミ) count fully only when directed ("you are…", お前は…); alone they
/// are weak signals. English is matched on whole words; Japanese on character sequences.
enum ToxicityLexicon {
    /// Insults that need a target to count fully.
    static let englishInsults =
        "idiot|idiots|moron|morons|stupid|dumb|imbecile|loser|pathetic|worthless|useless|incompetent|clown|jerk|trash|garbage|scum|dumbass|fool|retard|retarded|brainless|braindead|pig|freak|waste of space|piece of garbage|joke"

    /// English rules: (pattern, max gap in words, weight, signal, cancelling words).
    static let english: [(String, Int, Double, String, String)] = [
        (
            "you|youre|ur|you are|your|u r|u are|you re > \(englishInsults)", 3, 0.85, "directed insult",
            "not|never|arent|no"
        ),
        (
            "what a|what an|such a|such an|you little|you absolute|you stupid|you dumb > \(englishInsults)", 1, 0.85,
            "directed insult", ""
        ),
        (
            "stupid|dumb|useless|idiotic|worthless|pathetic|garbage|trash > bot|ai|machine|assistant|program|robot|model",
            1, 0.8, "directed insult", ""
        ),
        ("fuck you|fuck off|screw you|go to hell|go die|drop dead|piss off|eat shit", 0, 0.95, "abuse", ""),
        (
            "asshole|assholes|bastard|bitch|dickhead|motherfucker|cunt|scumbag|piece of shit|shithead|twat|wanker", 0,
            0.8, "profanity", ""
        ),
        ("shut up|shut the fuck up|stfu", 0, 0.6, "abuse", ""),
        (
            "kill yourself|kys|hope you die|you should die|you will die|you deserve to die|go kill yourself", 0, 1.0,
            "threat", ""
        ),
        (
            "i will|ill|im going to|im gonna|i am going to|gonna|we will > kill|hurt|stab|shoot|murder|destroy|strangle|beat up > you|your family|your kids",
            2, 1.0, "threat", ""
        ),
        ("beat you up|watch your back|find where you live|know where you live", 0, 0.9, "threat", ""),
        ("idiot|moron|imbecile|retard|dumbass", 0, 0.45, "insult word", ""),
        ("stupid|dumb|pathetic|loser", 0, 0.25, "insult word", ""),
    ]

    /// Japanese insults that need a target to count fully.
    static let japaneseInsults =
        "バカ|馬鹿|ばか|アホ|あほ|無能|ゴミ|クズ|くず|間抜け|マヌケ|低能|ポンコツ|役立たず|うざい|ウザい|キモい|きもい|能無し|カス|ボケ|ぼけ|死ね"

    /// Japanese rules: (pattern, max gap in characters, weight, signal, cancelling sequences).
    static let japanese: [(String, Int, Double, String, String)] = [
        (
            "お前|おまえ|てめえ|てめー|テメー|貴様|あんた|オマエ|あなた|君は|このAI|このai|このボット > \(japaneseInsults)", 6, 0.85, "directed insult",
            "ではない|じゃない|ではありません|じゃありません|ではなく|なんかじゃ"
        ),
        ("死ね|しね!|氏ね|くたばれ|ぶっ殺|殺すぞ|殺してやる|消えろ|失せろ", 0, 1.0, "threat", ""),
        ("お前|おまえ|てめえ|貴様|あんた|お前ら > を > 殺す|殺し|ぶっ飛ば|潰す", 3, 1.0, "threat", ""),
        ("黙れ|だまれ|ふざけるな|ふざけんな", 0, 0.6, "abuse", ""),
        ("役立たず|クズ|能無し|ゴミクズ|クソ野郎|くそ野郎|バカ野郎|馬鹿野郎|クソが|ボケが|バカども|馬鹿ども|アホども|クズども", 0, 0.75, "insult word", ""),
        ("バカ|馬鹿|アホ|ポンコツ|無能", 0, 0.3, "insult word", ""),
    ]
}
