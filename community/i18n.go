package community

import (
	"fmt"
	"strings"
)

// i18nLanguages are the languages of replyTexts, English (the fallback)
// first.
var i18nLanguages = []string{"en", "de", "es", "fr", "it", "pt"}

// replyTexts holds the bot's chat replies by language and key. Every
// language has every key of English with the same verbs in the same order,
// so the arguments Say documents fit any language (a test holds them to
// it). Replies are informal, as Twitch chat is.
var replyTexts = map[string]map[string]string{
	"en": {
		"points":            "%s has %d points (rank %s)",
		"rank":              "%s is %s, #%d of %d; %d more to reach %s",
		"rank_top":          "%s is %s, #%d of %d, the highest rank",
		"top":               "Top chatters: %s",
		"top_empty":         "Nobody has any points yet.",
		"streak":            "%s has attended %d streams in a row (best: %d)",
		"watchtime":         "%s has watched for %s",
		"give_ok":           "%s gave %d points to %s (%d left)",
		"give_insufficient": "%s, you only have %d points",
		"give_self":         "%s, you can't give points to yourself",
		"give_bot":          "%s, %s is a bot and doesn't collect points",
		"unknown_viewer":    "%s, I haven't seen %s in chat yet",
		"addpoints_ok":      "%s got %d points (now %d)",
		"removepoints_ok":   "%s had %d points taken away (now %d)",
		"usage":             "Usage: %s",
		"welcome_new":       "Welcome to the chat, %s! Glad you're here.",
		"welcome_back":      "Welcome back, %s! It's been a while.",
		"rank_up":           "%s has reached the rank %s! Congrats!",
		"poll_started":      "Poll: %s — %s. Vote with %s and a number or option (%s)",
		"poll_running":      "A poll is already running: end it with %s or cancel it with %s",
		"poll_invalid":      "Can't start that poll: it needs 2 to 10 options and lasts 10s to 30m. Usage: %s",
		"poll_none":         "No poll is running. Start one with %s",
		"poll_result":       "Poll closed: %s — %s wins with %d of %d votes (%d voters)",
		"poll_tie":          "Poll closed: %s — it's a tie between %s with %d votes each (%d voters)",
		"poll_no_votes":     "Poll closed: %s — nobody voted",
		"poll_cancelled":    "Poll cancelled: %s",
		"vote_ambiguous":    "%s, which one: %s? Type more of it after %s",
		"vote_usage":        "Vote with %s and a number or an option: %s",
		"segment_started":   "Sponsor segment started: %s. End it with %s",
		"segment_ended":     "Sponsor segment %s ended after %s: chat at %s× its usual pace",
		"segment_running":   "Segment %s is still running: end it with %s",
		"segment_none":      "No segment is running. Start one with %s",
		"segment_invalid":   "Usage: %s (a name of at most %d characters)",
		"segment_too_many":  "This channel has used its %d segment names: reuse one",
		"segment_offline":   "Segments are marked during a live stream only",
	},
	"de": {
		"points":            "%s hat %d Punkte (Rang %s)",
		"rank":              "%s ist %s, Platz %d von %d – noch %d bis %s",
		"rank_top":          "%s ist %s, Platz %d von %d – höher geht's nicht",
		"top":               "Die aktivsten Chatter: %s",
		"top_empty":         "Noch hat niemand Punkte gesammelt.",
		"streak":            "%s war bei %d Streams in Folge dabei (Rekord: %d)",
		"watchtime":         "%s hat insgesamt %s zugeschaut",
		"give_ok":           "%s hat %d Punkte an %s verschenkt (übrig: %d)",
		"give_insufficient": "%s, du hast nur %d Punkte",
		"give_self":         "%s, du kannst dir nicht selbst Punkte schenken",
		"give_bot":          "%s, %s ist ein Bot und sammelt keine Punkte",
		"unknown_viewer":    "%s, %s habe ich hier noch nicht im Chat gesehen",
		"addpoints_ok":      "%s bekommt %d Punkte (jetzt %d)",
		"removepoints_ok":   "%s verliert %d Punkte (jetzt %d)",
		"usage":             "So geht's: %s",
		"welcome_new":       "Willkommen im Chat, %s! Schön, dass du da bist.",
		"welcome_back":      "Willkommen zurück, %s! Lange nicht gesehen.",
		"rank_up":           "%s hat den Rang %s erreicht! Glückwunsch!",
		"poll_started":      "Umfrage: %s — %s. Abstimmen mit %s und einer Nummer oder Option (%s)",
		"poll_running":      "Es läuft schon eine Umfrage: beenden mit %s oder abbrechen mit %s",
		"poll_invalid":      "Die Umfrage geht so nicht: 2 bis 10 Optionen, Dauer 10s bis 30m. So geht's: %s",
		"poll_none":         "Gerade läuft keine Umfrage. Starte eine mit %s",
		"poll_result":       "Umfrage beendet: %s — %s gewinnt mit %d von %d Stimmen (%d Teilnehmer)",
		"poll_tie":          "Umfrage beendet: %s — Gleichstand zwischen %s mit je %d Stimmen (%d Teilnehmer)",
		"poll_no_votes":     "Umfrage beendet: %s — niemand hat abgestimmt",
		"poll_cancelled":    "Umfrage abgebrochen: %s",
		"vote_ambiguous":    "%s, welche meinst du: %s? Schreib nach %s etwas mehr davon",
		"vote_usage":        "Abstimmen mit %s und einer Nummer oder Option: %s",
		"segment_started":   "Sponsor-Segment gestartet: %s. Beenden mit %s",
		"segment_ended":     "Sponsor-Segment %s nach %s beendet: Chat lief mit %s× des üblichen Tempos",
		"segment_running":   "Das Segment %s läuft noch: beenden mit %s",
		"segment_none":      "Gerade läuft kein Segment. Starte eins mit %s",
		"segment_invalid":   "So geht's: %s (ein Name mit höchstens %d Zeichen)",
		"segment_too_many":  "Dieser Kanal hat seine %d Segmentnamen schon vergeben: nimm einen davon",
		"segment_offline":   "Segmente gibt's nur während eines Livestreams",
	},
	"es": {
		"points":            "%s tiene %d puntos (rango %s)",
		"rank":              "%s es %s, puesto %d de %d; le faltan %d para %s",
		"rank_top":          "%s es %s, puesto %d de %d, el rango más alto",
		"top":               "Los más activos del chat: %s",
		"top_empty":         "Todavía nadie tiene puntos.",
		"streak":            "%s lleva %d streams seguidos (récord: %d)",
		"watchtime":         "%s lleva %s viendo el canal",
		"give_ok":           "%s le dio %d puntos a %s (le quedan %d)",
		"give_insufficient": "%s, solo tienes %d puntos",
		"give_self":         "%s, no puedes regalarte puntos",
		"give_bot":          "%s, %s es un bot y no acumula puntos",
		"unknown_viewer":    "%s, todavía no he visto a %s en el chat",
		"addpoints_ok":      "%s recibe %d puntos (ahora tiene %d)",
		"removepoints_ok":   "A %s le quitaron %d puntos (ahora tiene %d)",
		"usage":             "Uso: %s",
		"welcome_new":       "¡Te damos la bienvenida al chat, %s! Qué bueno tenerte aquí.",
		"welcome_back":      "¡Qué bueno verte de nuevo, %s! Hacía tiempo.",
		"rank_up":           "¡%s alcanzó el rango %s! ¡Felicidades!",
		"poll_started":      "Encuesta: %s — %s. Vota con %s y un número u opción (%s)",
		"poll_running":      "Ya hay una encuesta en curso: termínala con %s o cancélala con %s",
		"poll_invalid":      "No puedo abrir esa encuesta: necesita de 2 a 10 opciones y dura de 10s a 30m. Uso: %s",
		"poll_none":         "No hay ninguna encuesta. Abre una con %s",
		"poll_result":       "Encuesta cerrada: %s — gana %s con %d de %d votos (%d votantes)",
		"poll_tie":          "Encuesta cerrada: %s — empate entre %s con %d votos cada una (%d votantes)",
		"poll_no_votes":     "Encuesta cerrada: %s — nadie votó",
		"poll_cancelled":    "Encuesta cancelada: %s",
		"vote_ambiguous":    "%s, ¿cuál: %s? Escribe un poco más después de %s",
		"vote_usage":        "Vota con %s y un número o una opción: %s",
		"segment_started":   "Segmento patrocinado iniciado: %s. Termínalo con %s",
		"segment_ended":     "El segmento patrocinado %s terminó tras %s: el chat fue a %s× su ritmo habitual",
		"segment_running":   "El segmento %s sigue en curso: termínalo con %s",
		"segment_none":      "No hay ningún segmento en curso. Inicia uno con %s",
		"segment_invalid":   "Uso: %s (un nombre de %d caracteres como máximo)",
		"segment_too_many":  "Este canal ya usó sus %d nombres de segmento: reutiliza uno",
		"segment_offline":   "Los segmentos solo se marcan durante un directo",
	},
	"fr": {
		"points":            "%s a %d points (rang %s)",
		"rank":              "%s est %s, n° %d sur %d ; encore %d pour devenir %s",
		"rank_top":          "%s est %s, n° %d sur %d : le rang le plus haut",
		"top":               "Les plus actifs du chat : %s",
		"top_empty":         "Personne n'a encore de points.",
		"streak":            "%s a suivi %d streams d'affilée (record : %d)",
		"watchtime":         "%s a regardé la chaîne pendant %s",
		"give_ok":           "%s a donné %d points à %s (il lui en reste %d)",
		"give_insufficient": "%s, tu n'as que %d points",
		"give_self":         "%s, tu ne peux pas te donner de points",
		"give_bot":          "%s, %s est un bot et ne gagne pas de points",
		"unknown_viewer":    "%s, je n'ai pas encore vu %s dans le chat",
		"addpoints_ok":      "%s reçoit %d points (total : %d)",
		"removepoints_ok":   "%s perd %d points (total : %d)",
		"usage":             "Utilisation : %s",
		"welcome_new":       "Bienvenue dans le chat, %s ! Installe-toi.",
		"welcome_back":      "Bon retour parmi nous, %s ! Ça faisait longtemps.",
		"rank_up":           "%s passe au rang %s ! Bravo !",
		"poll_started":      "Sondage : %s — %s. Vote avec %s et un numéro ou une option (%s)",
		"poll_running":      "Un sondage est déjà en cours : termine-le avec %s ou annule-le avec %s",
		"poll_invalid":      "Impossible de lancer ce sondage : il faut 2 à 10 options et une durée de 10s à 30m. Utilisation : %s",
		"poll_none":         "Aucun sondage en cours. Lance-en un avec %s",
		"poll_result":       "Sondage terminé : %s — %s gagne avec %d votes sur %d (%d votants)",
		"poll_tie":          "Sondage terminé : %s — égalité entre %s avec %d votes chacun (%d votants)",
		"poll_no_votes":     "Sondage terminé : %s — personne n'a voté",
		"poll_cancelled":    "Sondage annulé : %s",
		"vote_ambiguous":    "%s, laquelle : %s ? Écris-en un peu plus après %s",
		"vote_usage":        "Vote avec %s et un numéro ou une option : %s",
		"segment_started":   "Segment sponsorisé lancé : %s. Termine-le avec %s",
		"segment_ended":     "Le segment sponsorisé %s s'est terminé après %s : le chat a tourné à %s× son rythme habituel",
		"segment_running":   "Le segment %s est toujours en cours : termine-le avec %s",
		"segment_none":      "Aucun segment en cours. Lance-en un avec %s",
		"segment_invalid":   "Utilisation : %s (un nom de %d caractères au plus)",
		"segment_too_many":  "Cette chaîne a utilisé ses %d noms de segment : reprends-en un",
		"segment_offline":   "Les segments se marquent seulement pendant un live",
	},
	"it": {
		"points":            "%s ha %d punti (rango %s)",
		"rank":              "%s è %s, %d° su %d; mancano %d per %s",
		"rank_top":          "%s è %s, %d° su %d, il rango più alto",
		"top":               "I più attivi in chat: %s",
		"top_empty":         "Nessuno ha ancora punti.",
		"streak":            "%s ha seguito %d live di fila (record: %d)",
		"watchtime":         "%s ha guardato il canale per %s",
		"give_ok":           "%s ha dato %d punti a %s (gliene restano %d)",
		"give_insufficient": "%s, hai solo %d punti",
		"give_self":         "%s, non puoi regalarti punti",
		"give_bot":          "%s, %s è un bot e non accumula punti",
		"unknown_viewer":    "%s, non ho ancora visto %s in chat",
		"addpoints_ok":      "%s riceve %d punti (ora ne ha %d)",
		"removepoints_ok":   "%s perde %d punti (ora ne ha %d)",
		"usage":             "Uso: %s",
		"welcome_new":       "Ciao %s, ti diamo il benvenuto in chat!",
		"welcome_back":      "Che bello rivederti, %s! È passato un po'.",
		"rank_up":           "%s ha raggiunto il rango %s! Complimenti!",
		"poll_started":      "Sondaggio: %s — %s. Vota con %s e un numero o un'opzione (%s)",
		"poll_running":      "C'è già un sondaggio in corso: chiudilo con %s o annullalo con %s",
		"poll_invalid":      "Non posso aprire quel sondaggio: servono da 2 a 10 opzioni e una durata da 10s a 30m. Uso: %s",
		"poll_none":         "Nessun sondaggio in corso. Aprine uno con %s",
		"poll_result":       "Sondaggio chiuso: %s — vince %s con %d voti su %d (%d votanti)",
		"poll_tie":          "Sondaggio chiuso: %s — pareggio tra %s con %d voti ciascuna (%d votanti)",
		"poll_no_votes":     "Sondaggio chiuso: %s — nessuno ha votato",
		"poll_cancelled":    "Sondaggio annullato: %s",
		"vote_ambiguous":    "%s, quale: %s? Scrivine un po' di più dopo %s",
		"vote_usage":        "Vota con %s e un numero o un'opzione: %s",
		"segment_started":   "Segmento sponsorizzato iniziato: %s. Chiudilo con %s",
		"segment_ended":     "Il segmento sponsorizzato %s è finito dopo %s: la chat è andata a %s× il suo ritmo solito",
		"segment_running":   "Il segmento %s è ancora in corso: chiudilo con %s",
		"segment_none":      "Nessun segmento in corso. Iniziane uno con %s",
		"segment_invalid":   "Uso: %s (un nome di al massimo %d caratteri)",
		"segment_too_many":  "Questo canale ha già usato i suoi %d nomi di segmento: riusane uno",
		"segment_offline":   "I segmenti si segnano solo durante una diretta",
	},
	"pt": {
		"points":            "%s tem %d pontos (nível %s)",
		"rank":              "%s é %s, %dº de %d; faltam %d para %s",
		"rank_top":          "%s é %s, %dº de %d, o nível mais alto",
		"top":               "Os mais ativos do chat: %s",
		"top_empty":         "Ninguém tem pontos ainda.",
		"streak":            "%s assistiu %d lives seguidas (recorde: %d)",
		"watchtime":         "%s já assistiu %s de live",
		"give_ok":           "%s deu %d pontos para %s (restam %d)",
		"give_insufficient": "%s, você só tem %d pontos",
		"give_self":         "%s, você não pode se dar pontos",
		"give_bot":          "%s, %s é um bot e não acumula pontos",
		"unknown_viewer":    "%s, ainda não vi %s no chat",
		"addpoints_ok":      "%s recebeu %d pontos (agora tem %d)",
		"removepoints_ok":   "%s perdeu %d pontos (agora tem %d)",
		"usage":             "Uso: %s",
		"welcome_new":       "Boas-vindas ao chat, %s! Que bom ter você aqui.",
		"welcome_back":      "Que bom te ver de novo, %s! Fazia tempo.",
		"rank_up":           "%s chegou ao nível %s! Parabéns!",
		"poll_started":      "Enquete: %s — %s. Vote com %s e um número ou opção (%s)",
		"poll_running":      "Já tem uma enquete rolando: encerre com %s ou cancele com %s",
		"poll_invalid":      "Não dá para abrir essa enquete: ela precisa de 2 a 10 opções e dura de 10s a 30m. Uso: %s",
		"poll_none":         "Nenhuma enquete rolando. Abra uma com %s",
		"poll_result":       "Enquete encerrada: %s — %s vence com %d de %d votos (%d votantes)",
		"poll_tie":          "Enquete encerrada: %s — empate entre %s com %d votos cada (%d votantes)",
		"poll_no_votes":     "Enquete encerrada: %s — ninguém votou",
		"poll_cancelled":    "Enquete cancelada: %s",
		"vote_ambiguous":    "%s, qual delas: %s? Escreva um pouco mais depois de %s",
		"vote_usage":        "Vote com %s e um número ou uma opção: %s",
		"segment_started":   "Segmento patrocinado começou: %s. Termine com %s",
		"segment_ended":     "O segmento patrocinado %s terminou depois de %s: o chat foi a %s× o ritmo de sempre",
		"segment_running":   "O segmento %s ainda está rolando: termine com %s",
		"segment_none":      "Nenhum segmento rolando. Comece um com %s",
		"segment_invalid":   "Uso: %s (um nome de no máximo %d caracteres)",
		"segment_too_many":  "Este canal já usou seus %d nomes de segmento: reutilize um",
		"segment_offline":   "Segmentos só são marcados durante uma live",
	},
}

// Languages returns the codes of the languages Say speaks, English first.
// The slice is the caller's to keep.
func Languages() []string {
	return append([]string(nil), i18nLanguages...)
}

// Say returns the reply key in language lang, formatted with args. lang is a
// code from Languages, in any case, optionally with a region ("pt-BR" is
// "pt"). An unknown language, or a key missing in lang, falls back to
// English; a key English lacks gives "", which the caller sends nowhere.
//
// Keys and their arguments, in order (%s a string, %d an integer):
//
//	points             name, points, rank
//	rank               name, rank, position, total, toNext, nextRank
//	rank_top           name, rank, position, total
//	top                list
//	top_empty          (none)
//	streak             name, streak, longest
//	watchtime          name, duration (formatted by the caller, "3h 25m")
//	give_ok            from, amount, to, balance (the giver's new balance)
//	give_insufficient  name, balance
//	give_self          name
//	give_bot           name, target
//	unknown_viewer     name, target
//	addpoints_ok       target, amount, balance
//	removepoints_ok    target, amount, balance
//	usage              usage (see Usage)
//	welcome_new        name (a first-time chatter)
//	welcome_back       name (back after a long absence)
//	rank_up            name, rank
//	poll_started       question, options (numbered), vote command, duration
//	poll_running       end command, cancel command
//	poll_invalid       usage (see Usage)
//	poll_none          poll command
//	poll_result        question, winner, score, total score, voters
//	poll_tie           question, winners, score each, voters
//	poll_no_votes      question
//	poll_cancelled     question
//	vote_ambiguous     name, candidates, vote command
//	vote_usage         vote command, options (numbered)
//	segment_started    name, end command
//	segment_ended      name, duration, lift (messages a minute during / outside segments, "1.85")
//	segment_running    name, end command
//	segment_none       start command
//	segment_invalid    usage (see Usage), longest name in characters
//	segment_too_many   most names a channel may use
//	segment_offline    (none)
func Say(lang, key string, args ...any) string {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	format, ok := replyTexts[lang][key]
	if !ok {
		if format, ok = replyTexts["en"][key]; !ok {
			return ""
		}
	}
	return fmt.Sprintf(format, args...)
}
