"""Residual page furniture: the lines a site puts inside its article container.

trafilatura finds the article container well, but what a site puts *inside* that container
comes out with the body: a disclaimer, "Share this article", a newsletter prompt, a "Most read"
rail, a comment form, an image credit, a table-of-contents toggle, an aggregator's generated
questions. ``strip_furniture`` removes such lines from one page's text, by family, not by
string: each family is a small grammar (a label vocabulary in English, German, French and
Spanish, a sentence shape, a position), never a list of one site's phrases.

Where it cuts, from safest to boldest:

- the top block: lines before the first body paragraph (title repeats, bylines, datelines,
  section labels, site blurbs and addresses, summary boxes, TOC widgets, share bars);
- the bottom block: from the last body paragraph down. Furniture lines are peeled off the end
  one by one; a furniture *anchor* (a "Related" label, a comment stub, a newsletter prompt...)
  takes with it every line after it, provided those lines all look like furniture, headlines,
  list items or questions, never like body paragraphs;
- mid-body, only unmistakable single-line widgets ("Advertisement", "Share this article",
  "READ MORE: <headline>") and a related-links label with the headlines right under it.

Families: see ``FAMILIES``; docs/extraction.md describes each, and how it was measured.

Guarantees: pure, never raises, never adds text. Output lines are a subsequence of the input's
(stripped) lines, except that a widget token glued before the first word of a line
("ToggleArtificial intelligence ...") is cut off that line. Idempotent.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FAMILIES", "FurnitureResult", "Removed", "strip_furniture"]

FAMILIES = (
    "title", "dateline", "byline", "section", "summary", "blurb", "widget", "share", "newsletter",
    "related", "comments", "credit", "disclaimer", "url", "aggregator",
)


@dataclass(frozen=True)
class Removed:
    line: str
    family: str


@dataclass(frozen=True)
class FurnitureResult:
    text: str
    removed: tuple[Removed, ...]


# ---------------------------------------------------------------------------------------------
# text helpers

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
                         "«": '"', "»": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " "})
_EDGE_PUNCT = " \t-–—•·*|:>»›‹«<…./\\#_~=+[](){}\"'!¡?¿,;"
_ABBREV_END = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Corp|Ltd|Co|Jr|Sr|St|Dr|Mr|Mrs|Ms|Bros|etc)\.)$")
_BULLET = re.compile(r"^(?:[-–—•·▪‣◦*►▶✓✔→]\s*|\d{1,2}[.)]\s+)")
_SENT_END = re.compile(r"[.!?。！？…]['\"’”)\]»]*$")


# The cleaner looks at each line many times (every family, every pass): the pure per-line
# helpers are memoised (bounded), which halves the cleaner's time on long pages.
@functools.lru_cache(maxsize=16384)
def _nwords(line: str) -> int:
    cjk = len(_CJK.findall(line))
    if not cjk:
        return len(_WORD.findall(line))
    return len(_WORD.findall(_CJK.sub(" ", line))) + (cjk + 1) // 2


@functools.lru_cache(maxsize=16384)
def _key(line: str) -> str:
    """A line as a label: lower case, straight quotes, one space, no edge punctuation."""
    s = unicodedata.normalize("NFKC", line).translate(_QUOTES).lower()
    s = re.sub(r"\s+", " ", s)
    return s.strip(_EDGE_PUNCT)


def _tokens(line: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", line).translate(_QUOTES).lower())


def _ends_sentence(line: str) -> bool:
    s = line.rstrip()
    return bool(_SENT_END.search(s)) and not _ABBREV_END.search(s.rstrip("'\"’”)]»"))


def _ends_with_period(line: str) -> bool:
    """A finished statement ("The rule takes effect on Friday." / "... said."”), not "Sorry!"."""
    s = line.rstrip().rstrip("'\"’”)]»")
    return s.endswith((".", "。")) and not s.endswith("...") and not _ABBREV_END.search(s)


def _headline_like(line: str, max_words: int = 22) -> bool:
    """A headline or a link text: short, and not a finished sentence (questions allowed)."""
    s = _BULLET.sub("", line.strip()).rstrip(" |")
    n = _nwords(s)
    if not 1 <= n <= max_words:
        return False
    if re.search(r"\[[^\]]{2,20}\]$", s):  # "Headline [VIDEO]"
        return True
    if s.endswith(("?", "!")):
        return n <= 16
    return not _ends_sentence(s) and not s.endswith((":", ";", ","))


def _list_item(line: str) -> bool:
    return bool(_BULLET.match(line.strip()))


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + pattern + r")", re.I | re.X)


def _is(rx: re.Pattern[str], line: str) -> bool:
    return bool(rx.fullmatch(_key(line)))


# ---------------------------------------------------------------------------------------------
# family grammars (matched against _key(line) unless said otherwise)

_SOCIAL = r"(?:facebook|twitter|instagram|linkedin|youtube|tiktok|threads|mastodon|bluesky|telegram|whatsapp|pinterest|reddit|flipboard|x\b|e-?mail|sms|messenger)"

_RELATED_LABEL = _full(r"""
  (?:related|recommended|popular|trending|latest|further|more|top|featured|similar|suggested)
      (?:\ (?:news|articles?|posts?|stories|content|coverage|reading|reads?|links?|topics|videos?|
              galleries|for\ you|now|right\ now|today|this\ week|on\ this\ topic|from\ (?:the\ )?web|headlines|picks))*
      (?:\ (?:from|on|in|about|by|at)\ .{1,40})?
| (?:more|latest|others?)\ (?:from|on|in|about|by|like\ this)\b.{0,50}
| (?:you|we\ think\ you)\ (?:may|might|will|could|would)\ (?:also\ )?(?:like|love|enjoy|be\ interested\ in|have\ missed)\b.{0,20}
| (?:articles|stories|posts|news|videos)\ (?:you|we\ think\ you)\ (?:may|might|will|could)\ (?:also\ )?(?:like|love|enjoy)
| most\ (?:read|popular|viewed|watched|shared|commented|emailed|recent)\b.{0,40}
| (?:popular|trending|top\ stories)\ (?:on|in|at|from)\ .{1,40}
| read\ (?:more|next|also|this\ next|more\ news)(?:\ (?:on|from|about|at|in)\ .{1,40})?
| see\ (?:more|also)(?:\ (?:on|from|about)\ .{1,40})? | also\ (?:read|see|on\ .{1,30}) | what\ to\ read\ next
| don'?t\ miss(?:\ this|\ it|\ out)? | must[-\ ]reads? | editor'?s\ (?:picks?|choice) | explore\ further
| keep\ reading | in\ case\ you\ missed\ it | in\ other\ news | around\ the\ (?:web|site)
| (?:sponsored|promoted|partner|paid)\ (?:content|stories|links|posts|news)
| (?:das\ )?(?:könnte|koennte)\ (?:sie|dich)\ auch\ interessieren | auch\ interessant | mehr\ zum\ thema
| (?:weitere|verwandte|ähnliche|empfohlene|beliebte|aktuelle|neueste)\ (?:artikel|beiträge|nachrichten|themen|meldungen)
| lesen\ sie\ (?:auch|mehr|hier)(?:\ zum\ thema)? | meistgelesen(?:e)?(?:\ artikel|\ beiträge)? | am\ meisten\ gelesen
| passend\ zum\ thema | mehr\ (?:aus|von|zu|zum)\ .{1,40} | top-?themen | das\ (?:interessiert|lesen)\ andere
| (?:à|a)\ lire\ (?:aussi|également|ensuite|sur\ le\ même\ sujet) | lire\ (?:aussi|la\ suite\ de\ nos\ articles)
| voir\ aussi | sur\ le\ même\ (?:sujet|thème) | articles?\ (?:similaires|liés|recommandés|connexes|populaires)
| (?:les\ )?plus\ (?:lus|populaires|partagés|commentés) | (?:à|a)\ (?:découvrir|voir)\ (?:aussi|également)
| vous\ (?:aimerez|pourriez\ aimer|aimeriez)\ (?:aussi|également)(?:\ ces\ articles)? | dans\ la\ même\ rubrique
| nos\ (?:articles\ )?recommandations | (?:les\ )?dernières\ (?:actualités|infos|nouvelles)
| (?:también\ )?te\ puede\ (?:interesar|gustar) | (?:lee|lea|ver|mira|leer)\ (?:también|además) | quizás\ te\ interese
| (?:noticias|artículos|notas|contenidos?)\ (?:relacionad[oa]s|recomendad[oa]s|similares) | relacionad[oa]s
| lo\ más\ (?:leído|visto|popular|compartido) | (?:más|mas)\ (?:leídas|leídos|vistas|populares|noticias|artículos)
| te\ recomendamos | otras\ noticias | (?:últimas|ultimas)\ noticias | puede\ que\ te\ interese
| leia\ (?:também|mais) | veja\ também | (?:notícias|artigos|posts)\ relacionad[oa]s | mais\ lid[oa]s
| leggi\ anche | potrebbe\ interessarti | articoli\ correlati
""")

# "READ MORE: <headline>", "[Related: <headline>]", "Also on site.com <headline>"
_INLINE_RELATED = re.compile(
    r"""^[\[(]?\s*(?:
        (?:read|see|more|also|related|recommended|watch|don'?t\ miss|must\ read|further\ reading)
            (?:\ (?:more|also|next|read|news|post|posts|article|articles|story|stories|coverage|content|link|links|video|reading|on\ this\ topic))?
      | lesen\ sie\ (?:auch|mehr) | mehr\ zum\ thema | auch\ interessant | siehe\ auch | (?:zum\ )?weiterlesen
      | (?:à\ )?lire\ (?:aussi|également) | voir\ aussi | (?:à\ )?voir\ aussi
      | (?:lee|lea|ver|mira)\ también | te\ puede\ interesar | relacionad[oa]
      | leia\ também | veja\ também | leggi\ anche(?:\ su)?
    )\s*[:：|»›]\s*(?P<rest>\S.*?)[\])]?$""",
    re.I | re.X,
)
_ALSO_ON = re.compile(r"^also\s+on\s+[\w-]+(?:\.[\w-]+)+\s+\S", re.I)

_SHARE_LABEL = _full(rf"""
  share(?:\ (?:this|the|your|our))?(?:\ (?:article|story|post|page|link|video|gallery|on|via|it|now))*(?:\ (?:on|via)\ {_SOCIAL})?
| share\ (?:on|via|to|with)\ {_SOCIAL}.{{0,40}} | {_SOCIAL}(?:\ {_SOCIAL}){{1,8}}
| (?:click\ to\ )?(?:tweet|pin|email|print|share)(?:\ (?:this|it|article|story|page))? | copy(?:\ (?:the\ )?link)? | link\ copied(?:\ to\ clipboard)?
| (?:artikel\ |diesen\ artikel\ |beitrag\ |seite\ )?teilen(?:\ (?:auf|via|per)\ .{{1,20}})? | jetzt\ teilen | link\ kopieren
| partager(?:\ (?:cet\ article|sur\ .{{1,20}}|par\ .{{1,20}}|l'article|la\ page))? | copier\ le\ lien
| compartir(?:\ (?:en\ .{{1,20}}|este\ artículo|esta\ noticia|la\ nota|por\ .{{1,20}}))? | comparte(?:\ (?:esta\ noticia|este\ artículo))? | copiar\ (?:el\ )?enlace
| compartilhe | condividi
""")
# "Like this story? Share it with a friend!", "Follow us on Twitter", "Folgen Sie uns auf ..."
_SHARE_SENTENCE = re.compile(
    rf"""^(?:
        (?:did\ you\ )?(?:like|love|enjoy(?:ed)?|liked|loved)\ (?:this|the|our)\ (?:story|article|post|piece|read)\b.{{0,40}}\bshare\b
      | share\ (?:this|the)\ (?:story|article|post|piece|link)\ with\b
      | (?:please\ )?(?:follow|like|join|find|connect\ with)\ (?:us|me|him|her|them|@\w+|[\w.'& -]{{1,40}})\ (?:on|at|via)\ .{{0,40}}\b{_SOCIAL}
      | follow\ @\w+ | follow\ (?:us|him|her|me)\b.{{0,40}}@\w+
      | (?:folgen|folge)\ (?:sie\ )?(?:uns|mir)\b | suivez[- ]nous\b | rejoignez[- ]nous\ sur\b | síguenos\b | siga[- ]nos\b | seguici\b
      | teilen\ sie\ (?:diesen|den)\ (?:artikel|beitrag) | partagez\ (?:cet|l')\ ?article | comparte\ (?:esta|este)\ (?:noticia|artículo)
    )""",
    re.I | re.X,
)

_FOLLOW_ANY = re.compile(rf"\bfollow\s+(?:us|him|her|me|them)\s+(?:on|at|via)\s+.{{0,30}}\b{_SOCIAL}|\bfollow\s+(?:us|him|her|me)\s+@\w+", re.I)
_NEWS_KW = re.compile(
    r"""newsletter|\bsubscri(?:be|bing|ption)s?\b|\bsign(?:ing|ed)?[- ]?up\b|\binbox\b|\bletterbox\b|\bmailbox\b
      |\bdownload\ (?:the|our)\ app\b|\bget\ (?:the|our)\ [\w ]{0,20}\bapp\b|\bapp\ (?:store|now)\b|\bon\ the\ go\b
      |\bbecome\ a\ (?:member|subscriber|patron|supporter)\b|\bsupport\ (?:our|independent|quality)\ journalism\b|\bdonate\b
      |\bmembers?\ get\b|\bjoin\ (?:now|today|us|our)\b
      |abonn|\bregistrier|posteingang|\bpostfach\b|\banmelden\b|\bjetzt\ (?:lesen|testen)\b
      |inscri(?:vez|re|ption)|infolettre|lettre\ d'information|boîte\ (?:mail|de\ réception|aux\ lettres)|\brecevez\b
      |suscr[ií]b|suscripci|bolet[ií]n|bandeja\ de\ entrada|reg[ií]strate|\brecibe\b|assine|inscreva""",
    re.X,  # searched in the lower-cased line: faster than re.I on long lines
)
# what makes a mid-body line unmistakably a newsletter/app prompt, not a deal or a product
_NEWS_STRICT = re.compile(
    r"newsletter|\binbox\b|\bapp\b|\bsubscribe\s+(?:to\s+(?:our|the|my)|now|here|today)|abonn|infolettre|lettre d'information|bolet[ií]n",
    # searched in the lower-cased line
)
_CTA_START = re.compile(
    r"""^(?:subscribe|sign\ up|sign\ in|log\ in|join|get|download|stay|never\ miss|don'?t\ miss|want|click|tap|register|receive
        |keep\ an\ eye|thanks?\ (?:you\ )?for\ (?:signing|subscribing|registering)|thank\ you\ for\ (?:signing|subscribing|registering)
        |there\ was\ an\ error|if\ you\ (?:enjoyed|liked|like|value|appreciate|found)|enjoyed\ this|like\ what\ you|support|become|start\ your
        |abonnieren|abonniere|abonnieren\ sie|melden\ sie\ sich|jetzt|holen\ sie|erhalten\ sie|registrieren
        |abonnez|inscrivez|recevez|téléchargez|rejoignez|ne\ manquez
        |suscr[ií]b\w*|reg[ií]str\w*|recibe|descarga|únete|no\ te\ pierdas|assine|inscreva)\b""",
    re.I | re.X,
)
_CTA_ANY = re.compile(
    r"""\b(?:click(?:ing)?\ here|tap\ here|sign\ up\ (?:for|to|now|here|today)|subscribe\ (?:to\ (?:our|the|my)|now|here|for|today)
        |(?:your|the)\ inbox|our\ newsletters?|straight\ to\ your|delivered\ (?:to|through|straight|right)|in\ your\ inbox
        |hier\ (?:abonnieren|anmelden|klicken)|cliquez\ ici|haga\ clic\ aquí|haz\ clic\ aquí|clique\ aqui)\b
      |^if\ you\ (?:enjoyed|liked|valued|appreciated|found\ value\ in)\ (?:this|our|reading)\b.{0,200}\b(?:join|subscri|support|become|donat|member|sign)
      |^how\ to\ (?:listen|watch|subscribe|follow)\b
      |^(?:listen|watch|stream|hear)\b.{0,80}\b(?:live|listen\ back|on\ demand|podcasts?|radio|weekdays|episodes?)\b""",
    re.X,  # searched in the lower-cased line
)

_COMMENTS = _full(r"""
  (?:\d+\ )?(?:comments?|responses?|replies|reactions?|discussions?)(?:\ \(?\d+\)?)?(?:\ \d+)?
| (?:show|view|load|read|see|hide|open|close)\ (?:all\ )?(?:\d+\ )?(?:comments?|replies|the\ discussion)
| (?:no\ )?comments?\ (?:yet|closed|are\ closed|are\ off|disabled|have\ been\ closed)(?:\ for\ this\ (?:article|post|story))?
| comments\ (?:on|for)\ this\ (?:entry|post|article|story)\ are\ closed
| leave\ a\ (?:reply|comment|response)(?:\ cancel\ reply)? | cancel\ reply | reply | post\ (?:a|your)\ comment | add\ (?:a|your)\ comment
| write\ a\ comment | submit\ (?:a\ )?comment | join\ the\ (?:discussion|conversation|debate) | be\ the\ first\ to\ comment.{0,30}
| sort\ by\b.{0,20} | (?:newest|oldest)\ first | tell\ us\ what\ you\ think.{0,10} | (?:one|two|three|\d+)\ (?:thoughts?|responses?|comments?|replies)\ (?:on|to)\ .{1,150} | what\ do\ you\ think | have\ your\ say | start\ the\ conversation | conversation
| (?:\d+\ )?kommentare?(?:\ \(?\d+\)?)? | kommentar\ (?:schreiben|verfassen|abgeben) | (?:schreibe|hinterlasse|verfasse)\ einen\ kommentar
| kommentare\ (?:sind\ )?(?:geschlossen|deaktiviert) | die\ kommentarfunktion\ (?:ist|wurde)\ .{0,30} | antworten | antwort\ abbrechen
| (?:\d+\ )?commentaires?(?:\ \(?\d+\)?)? | (?:laisser|laissez|ajouter|écrire|rédiger)\ un\ commentaire | répondre | annuler\ la\ réponse
| les\ commentaires\ sont\ (?:fermés|clos|désactivés) | réagir(?:\ à\ cet\ article)?
| (?:\d+\ )?comentarios?(?:\ \(?\d+\)?)? | (?:deja|dejar|deje|escribe|añadir|agrega)\ (?:un|tu|su)\ (?:comentario|respuesta) | deja\ una\ respuesta
| los\ comentarios\ están\ cerrados | comentarios\ cerrados | responder | cancelar\ respuesta
| (?:\d+\ )?comentários? | deixe\ (?:um\ comentário|uma\ resposta|seu\ comentário)
""")
_COMMENTS_SENTENCE = re.compile(
    r"""(?:your|the)\ e-?mail\ address\ will\ not\ be\ published|required\ fields\ are\ marked
      |you\ must\ be\ (?:logged|signed)\ in\ to\ (?:post|leave)\ a\ comment
      |vous\ devez\ être\ (?:connecté|inscrit|identifié)e?\ pour\ (?:commenter|réagir|publier)|(?:debes|debe|tienes\ que)\ (?:iniciar\ sesión|estar\ registrado)\ para\ comentar
      |(?:du\ musst|sie\ müssen)\ (?:angemeldet|eingeloggt)\ sein,?\ um\ (?:zu\ kommentieren|einen\ kommentar)|^(?:please\ )?(?:sign|log)\ in\ to\ (?:comment|reply|join\ the)|comments?\ (?:are|is|will\ be)\ (?:moderated|reviewed|subject\ to)
      |we\ reserve\ the\ right\ to\ (?:remove|delete|edit)\ (?:any\ )?comments?|this\ site\ uses\ akismet|notify\ me\ of\ (?:new\ )?(?:follow-?up\ )?(?:comments|posts)
      |^(?:this\ |the\ )?(?:discussion|conversation|thread|comments?(?:\ section)?)\ (?:is|are|has\ been|have\ been)\ (?:now\ )?(?:closed|disabled|locked|turned\ off)
      |save\ my\ name,\ email|community\ (?:guidelines|standards)|comment\ policy|comments\ policy
      |(?:we'?d|we\ would)\ (?:like|love)\ to\ hear\ (?:from\ you|what\ you\ think|your\ (?:thoughts|views|opinion))|letters?\ to\ the\ editor
      |send\ us\ your\ (?:thoughts|feedback|comments|views)|share\ your\ (?:thoughts|views|opinions?)\ (?:in|below|with\ us)
      |(?:ihre|deine)\ meinung\ (?:ist\ gefragt|interessiert\ uns)|donnez\ votre\ avis|danos\ tu\ opinión|queremos\ saber\ tu\ opinión
      |e-?mail-?adresse\ wird\ nicht\ veröffentlicht|erforderliche\ felder\ sind|pflichtfelder\ sind
      |adresse\ (?:e-?mail|de\ messagerie|email|courriel)\ ne\ sera\ pas\ publiée|champs\ obligatoires\ sont
      |correo\ electrónico\ no\ será\ publicad|campos\ obligatorios\ están|e-?mail\ não\ será\ publicado|campos\ obrigatórios
      |coment(?:ário|ario|aire)s?\b.{0,80}\b(?:moderad|aprovad|aprobad|modéré|respeito|respeto|respect|ofensiv|offensant|insult)""",
    re.I | re.X,
)

_DISCLAIMER_START = re.compile(
    r"^[\[(*]*\s*(?:disclaimer|disclosure|legal\ notice|haftungsausschluss|rechtlicher\ hinweis|risikohinweis|avertissement|"
    r"clause\ de\ non-responsabilité|avis\ de\ non-responsabilité|aviso\ legal|descargo\ de\ responsabilidad|"
    r"exención\ de\ responsabilidad|aviso\ de\ responsabilidad|isenção\ de\ responsabilidade)\b\s*[:.\-–—]",
    re.I | re.X,
)
_LEGAL = re.compile(
    r"""not\ (?:intended\ as\ )?(?:financial|investment|trading|legal|tax|medical)\ advice
      |(?:does|do|should)\ not\ constitute\ (?:a\ |an\ )?(?:financial|investment|legal|professional|trading)?\s*(?:advice|recommendation|offer|solicitation)
      |(?:is|are)\ (?:provided\ )?for\ (?:general\ )?information(?:al)?\ purposes\ only|(?:holds?|accepts?|assumes?|bears?)\ no\ (?:liability|responsibility)
      |(?:conduct|do)\ your\ own\ (?:research|due\ diligence)
      |views\ (?:and\ opinions\ )?expressed\ (?:here|herein|in\ this|are)|(?:are|is)\ (?:solely\ )?(?:those|that)\ of\ the\ (?:author|writer)
      |(?:may|might)\ (?:earn|receive|get|collect)\ (?:a\ )?(?:small\ )?(?:affiliate\ )?(?:commission|share\ of\ (?:the\ )?(?:sales?|revenue)|portion\ of\ (?:the\ )?(?:sales?|revenue))
      |affiliate\ (?:links?|commission|partnerships?|programs?)|if\ you\ (?:buy|purchase|click)\ (?:something|a\ product|through|on)\b.{0,60}\b(?:commission|share|earn|compensat)
      |this\ (?:post|article|page)\ (?:may\ )?contains?\ affiliate|prices?\ (?:are|is)\ (?:accurate|subject\ to\ change)
      |all\ rights\ reserved|alle\ rechte\ vorbehalten|tous\ droits\ réservés|todos\ los\ derechos\ reservados|todos\ os\ direitos\ reservados
      |may\ not\ be\ (?:published|reproduced|broadcast|rewritten|redistributed|copied)|personal,?\ non-?commercial\ use
      |(?:reproduction|redistribution|republication)\ (?:is\ )?(?:prohibited|forbidden|interdite|prohibida|untersagt)
      |without\ (?:the\ )?(?:prior\ )?(?:express\ )?written\ (?:permission|consent)|subscriber\ agreement
      |keine\ anlageberatung|stellt\ keine\ .{0,30}(?:beratung|empfehlung)\ dar|ohne\ gewähr
      |ne\ constitue\ pas\ (?:un\ conseil|une\ recommandation|une\ offre)|à\ titre\ (?:informatif|indicatif)\ uniquement
      |no\ constituye\ (?:una\ )?(?:asesor|recomendaci|oferta)|con\ fines\ (?:informativos|educativos)
      |무단\s?전재|재배포\s?금지|版权所有|著作権""",
    re.I | re.X,
)
_COPYRIGHT_START = re.compile(r"^(?:copyright\b|©|\(c\)\s*\d{4}|℗)", re.I)

_CREDIT_START = re.compile(
    r"""^[\[(]?\s*(?:(?:lead\ |top\ |featured\ |header\ |cover\ )?(?:photo|photograph|picture|image|img|foto|bild|fotografía|imagen|illustration|
        screenshot|crédit(?:s)?\ photo|photo\ credit|image\ credit|image\ source|bildquelle|fotoquelle|credits?|
        quelle|source|sources|fuente|fuentes|fonte|via)s?(?:\ (?:credit|courtesy|by|source|provided\ by))?)\s*[:©|]""",
    re.I | re.X,
)
_IMAGE_CREDIT_START = re.compile(
    r"^[\[(]?\s*(?:(?:lead|top|featured|header|cover|main)\s+)?(?:photo|photograph|picture|image|foto|bild|fotografía|imagen|illustration)s?"
    r"(?:\s+(?:credit|courtesy|by|source|provided\s+by))?\s*[:©]|^[\[(]?\s*(?:image|photo|picture|bild|foto)\s+(?:credit|source|courtesy)s?\b|"
    r"^[\[(]?\s*(?:crédits?\s+photos?|bildquelle|fotoquelle|fotos?\s*:)",
    re.I,
)
_AGENCIES = (
    r"getty(?:\s+images)?|shutterstock|reuters|afp|ap|associated\s+press|dpa|epa(?:-efe)?|efe|bloomberg|istock(?:photo)?|"
    r"unsplash|pexels|pixabay|wikimedia(?:\s+commons)?|alamy|imago|picture\s+alliance|xinhua|ansa|sipa|nurphoto|zuma|anadolu"
)
_AGENCY_ONLY = re.compile(rf"^[\[(]?\s*(?:{_AGENCIES})(?:\s*(?:/|via|and|&|,)\s*(?:{_AGENCIES}))*(?:\s+(?:images|photos?))?\s*[\])]?\.?$", re.I)
# "A worker inspects a wafer. (AP Photo/Jane Doe)", "... (Photo: Jane Doe)"
_CAPTION_CREDIT = re.compile(
    rf"\((?:{_AGENCIES})(?:\s+photos?)?\s*/\s*[^()]{{1,60}}\)\s*$|\((?:photo|image|foto|bild|imagen|picture)s?\s*(?:by|:|credit:?|courtesy(?:\s+of)?)\s*[^()]{{1,60}}\)\s*$",
    re.I,
)
_SHORTCODE = re.compile(r"\[/?(?:button|caption|embed|gallery|audio|video|playlist|su_\w+|vc_\w+|et_pb_\w+|tweetable|ctt)\b[^\]]*\]", re.I)
_CREDIT_AGENCY = re.compile(
    r"(?:[/|©]|\bvia\b|\bby\b|\bcredit:?|\bcourtesy(?:\ of)?\b|\bphoto:?)\s*(?:[\w.&' -]{0,40}\s)?"
    r"(?:getty(?:\ images)?|shutterstock|reuters|afp|ap(?:\ photo)?|associated\ press|dpa|epa(?:-efe)?|efe|bloomberg|istock(?:photo)?|"
    r"unsplash|pexels|pixabay|wikimedia(?:\ commons)?|alamy|imago|picture\ alliance|xinhua|ansa|sipa|abaca|nurphoto|zuma|anadolu)"
    r"(?:\ (?:images|photo|via\ getty\ images))?\s*[)\]]?\.?$",
    re.I | re.X,
)
# a caption's credit: "Axies image taken from X's account" (only at the edges, and not a sentence)
_CREDIT_PHRASE = re.compile(
    r"\b(?:photo|picture|image|foto|bild|imagen|screenshot|illustration)s?\s+(?:taken\ from|courtesy(?:\ of)?|via|source[ds]?|credit(?:ed)?|provided\ by|by|from|de|von|par|aus)\b",
    re.I | re.X,
)
# unmistakable credit markers: "(Photo: ...)", "photos © Agency"
_CREDIT_MARK = re.compile(
    r"\((?:photo|image|credit|foto|bild|imagen)s?\s*:|\b(?:photo|image|picture|foto|bild|imagen)s?\s*(?:©|\(c\)|copyright\b)",
    re.I,
)
_BYLINE_CREDIT = re.compile(
    r"""^[\[(]?\s*(?:(?:additional\ )?(?:reporting|writing|editing|edited|compiled|translated|translation|research|graphics|production|produced)
          \ (?:by|from)\b
        |.{2,240}?\ contributed\ (?:reporting|(?:to\ )?(?:this|the)\ (?:report|article|story))
        |(?:mit\ material\ von|mit\ informationen\ von|avec\ (?:afp|reuters|ap|agences)|con\ información\ de|con\ informaci[oó]n\ de|com\ informações\ d)
        |(?:write\ to|email|e-mail|contact|reach)\ [\w.' -]{2,60}\ (?:at|via|on)\ \S+
        |have\ a\ (?:news\ )?tip\b|got\ a\ (?:news\ )?tip\b
        |originally\ (?:published|posted|appeared)\ (?:on|in|at)\b|this\ (?:article|story)\ (?:was\ )?(?:originally|first)\ (?:published|appeared)
        |(?:this\ story|this\ article)\ (?:was\ )?(?:produced|provided)\ by\b)""",
    re.I | re.X,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_URL_LABELLED = re.compile(r"^[\w'’ .-]{1,25}:\s*(?:https?://|www\.)\S+$", re.I)
_URL_ANY = re.compile(r"(?:https?://|www\.)\S+", re.I)
_URL_FRAGMENT = re.compile(r"^[\w\-./%?=&#~+:,;@!$*'()]+$")

_SECTION = _full(r"""
  (?:tags?|topics?|filed\ under|categor(?:y|ies)|keywords?|schlagwörter|stichwörter|themen|schlagworte|mots[-\ ]clés|étiquettes|
     catégories?|rubriques?|etiquetas|temas|categorías?|palabras\ clave|categorias?|marcadores|argomenti)(?:\ :.*|:.*|\ \|.*)?
""")
_TAG_START = re.compile(
    r"^(?:tags?|topics?|filed\ under|categor(?:y|ies)|keywords?|schlagwörter|stichwörter|themen|mots[-\ ]clés|étiquettes|catégories?|"
    r"etiquetas|temas|categorías?|palabras\ clave|posted\ in|archivado\ en|abgelegt\ unter|classé\ dans|publicado\ en)\s*[:|]", re.I | re.X,
)

_WIDGET = _full(r"""
  toggle | table\ of\ contents | contents | (?:in|on)\ this\ (?:article|page|story) | jump\ to(?:\ (?:section|navigation|content))?
| skip\ to\ (?:main\ )?content | skip\ (?:ad|advert|advertisement) | show\ (?:more|less|all) | load\ more | expand | collapse | close | menu
| advertisements? | advert | ads? | sponsored | anzeige | werbung | publicité | publicidad | pubblicità | publicidade | reklame
| (?:story|article|text|content)\ continues\ (?:below|after)(?:\ (?:the\ )?(?:advertisement|ad))? | continue\ reading\ (?:below|the\ main\ story)
| advertisement\ -?\ ?(?:continue|scroll)\ .{0,30} | scroll\ (?:down\ )?to\ continue.{0,30} | weiterlesen\ nach\ der\ anzeige
| (?:la\ )?suite\ après\ (?:cette\ )?(?:la\ )?publicité | el\ artículo\ continúa\ (?:debajo|después).{0,20} | (?:sigue|continúa)\ leyendo\ debajo
| loading | chargement(?:\ en\ cours)? | cargando | wird\ geladen | lädt | carregando | caricamento
| (?:an\ )?error\ (?:has\ )?occurred.{0,40} | something\ went\ wrong.{0,30} | please\ try\ again(?:\ later)? | thank\ you | thanks
| this\ (?:article|story|page)\ has\ been\ sent\ to.{0,30} | (?:order\ )?reprints? | print(?:\ this)?(?:\ (?:article|page|story))? | e-?mail(?:\ (?:article|this|page))?
| listen(?:\ to\ (?:this\ |the\ )?(?:article|story|podcast))?(?:\ \d+\ min(?:utes?)?)? | please\ wait | like\ loading
| toggle\ (?:navigation|menu|sidebar|search) | (?:open|close)\ (?:menu|navigation|search) | permalink
| (?:zur|zurück\ zur|back\ to|return\ to|retour\ à\ la|volver\ a\ la|voltar\ à)\ (?:startseite|homepage|home|page\ d'accueil|portada|página\ inicial|übersicht)
| (?:auf\ dieser\ seite|in\ diesem\ (?:artikel|beitrag)|sur\ cette\ page|dans\ cet\ article|en\ esta\ página|en\ este\ artículo|nesta\ página) | audio | zoom | enlarge(?:\ (?:this\ )?image)? | click\ to\ enlarge
| (?:view|open|see)\ (?:the\ )?(?:gallery|slideshow|photos?|images?)(?:\ \(?\d+\)?)? | (?:image|photo|slide)\ \d+\ (?:of|/|von|de|sur)\ \d+ | \d+\ (?:/|of)\ \d+
| next | previous | prev | back\ to\ top | top | font\ size | text\ size | a\ a | bookmark | save(?:\ (?:article|story|for\ later))?
| inhaltsverzeichnis | inhalt | table\ des\ matières | sommaire | índice(?:\ de\ contenidos?)? | tabla\ de\ contenidos? | contenidos? | conteúdo
| what'?s\ (?:included|inside|in\ this\ (?:article|guide|post)) | in\ this\ (?:guide|post) | quick\ (?:links|navigation)
| (?:\d+\ )?(?:min(?:ute)?s?|mins?)\ (?:read|lesezeit|de\ lecture|de\ lectura|de\ leitura)
| (?:reading\ time|lesezeit|lesedauer|temps\ de\ lecture|tiempo\ de\ lectura|tempo\ de\ leitura)\b.{0,25}
| (?:estimated\ )?read(?:ing)?\ time\b.{0,25}
""")
_WIDGET_LINE = re.compile(r"^(?:loading|chargement|cargando|wird\s+geladen)\b.{0,60}(?:\.\.\.|…)$", re.I)
_TOC_TOKEN = re.compile(r"toggle|table|inhalts|tabla", re.I)
# a widget token glued onto the first word of a line ("ToggleArtificial intelligence ...")
_GLUED = re.compile(
    r"^(?P<tok>Toggle(?:\s*Table\s+of\s+Contents)?|Table\s+of\s+Contents|Inhaltsverzeichnis|Table\s+des\s+matières|Tabla\s+de\s+contenidos?|"
    r"Advertisement|Anzeige|Werbung|Publicité|Publicidad|Skip\s+to\s+(?:main\s+)?content|Share\s+this\s+article|Listen\s+to\s+this\s+article|"
    r"Loading\.\.\.|Loading…)\s*(?=[A-ZÀ-ÖØ-ÞĀ-Ž\"“‘'(])"
)

_SUMMARY = _full(r"""
  in\ this\ (?:post|article|story|piece|guide) | key\ (?:takeaways|points|facts|highlights|findings|insights) | takeaways | highlights
| at\ a\ glance | tl;?\ ?dr | summary | (?:the\ )?gist | what\ you\ need\ to\ know | quick\ (?:read|take|summary) | in\ brief | in\ short
| the\ big\ picture | why\ it\ matters | story\ highlights | article\ summary | ai\ summary | summary\ by\ ai
| auf\ einen\ blick | das\ wichtigste\ (?:in\ kürze|im\ überblick|zusammengefasst) | in\ kürze | kurz\ (?:gesagt|und\ knapp) | zusammenfassung
| en\ bref | l'essentiel | en\ résumé | (?:ce\ qu'il\ faut\ )?(?:à\ )?retenir | points\ clés | résumé
| en\ resumen | lo\ (?:más\ )?(?:importante|esencial) | claves | puntos\ clave | resumen | en\ breve | lo\ que\ (?:debes|hay\ que)\ saber
| em\ resumo | pontos[-\ ]chave | in\ sintesi
""")

_AGGREGATOR = _full(r"""
  continue\ reading(?:\ (?:on|at)\ .{1,40})? | continue\ to\ (?:full\ )?(?:article|story) | read\ (?:the\ )?(?:full|whole|original|complete|entire)\ (?:article|story|post|text|report)(?:\ (?:on|at|here)\ ?.{0,40})?
| read\ (?:the\ )?rest(?:\ of\ (?:the|this)\ (?:article|story))?(?:\ (?:on|at)\ .{1,40})? | read\ (?:it\ )?(?:on|at)\ .{1,40}
| view\ (?:the\ )?(?:original|source|full\ (?:article|story))(?:\ (?:on|at)\ .{1,40})? | (?:go\ to|visit)\ (?:the\ )?(?:source|original\ (?:article|site))
| (?:full|original)\ (?:article|story)(?:\ (?:on|at)\ .{1,40})? | source\ link | original\ source
| questions | (?:related|follow-?up|suggested|generated)\ questions | people\ also\ ask | (?:frequently\ )?asked\ questions | faqs?
| ask\ (?:a\ )?(?:follow-?up\ )?question | actions | more\ actions | aktionen | acciones | permalink | explore\ more
| (?:weitere\ |verwandte\ |häufige\ |häufig\ gestellte\ )?fragen | questions\ (?:fréquentes|liées|connexes|associées) | foire\ aux\ questions
| preguntas(?:\ (?:frecuentes|relacionadas))? | perguntas(?:\ frequentes|\ relacionadas)? | flag(?:\ (?:content|this|as\ inappropriate|post|article))?
| report(?:\ (?:this|content|abuse|an?\ (?:error|issue|problem)|post|article|comment|inappropriate\ content))? | report\ abuse | hide(?:\ this)?
| upvote | downvote | like | unlike | dislike | mute | block(?:\ user)? | moderate | moderation | mark\ as\ (?:spam|inappropriate)
| (?:summarized|summarised|generated|written)\ by\ (?:ai|an\ ai|gpt|chatgpt)\b.{0,30}
| weiterlesen(?:\ (?:auf|bei)\ .{1,40})? | (?:den\ )?(?:ganzen|vollständigen)\ artikel\ lesen.{0,30} | zum\ (?:original)?artikel | beitrag\ melden | melden
| lire\ la\ suite(?:\ (?:sur|de)\ .{1,40})? | lire\ l'article(?:\ complet|\ original)?.{0,30} | signaler(?:\ (?:un\ abus|ce\ contenu|un\ contenu))?
| (?:leer|seguir\ leyendo|continuar\ leyendo|ver)\ (?:más|nota\ completa|artículo\ completo|la\ noticia\ completa)?(?:\ (?:en|sobre)\ .{1,40})?
| seguir\ leyendo | continuar\ leyendo | leer\ más | denunciar(?:\ (?:contenido|abuso))? | reportar(?:\ (?:contenido|abuso))?
| leia\ mais | continue\ lendo | denunciar
""")

_BLURB_START = re.compile(
    r"^(?:we\s+are|we're|we\s+help|wir\s+sind|nous\s+sommes|somos|about\s+us)\b.{0,160}\b(?:agency|company|studio|team|firm|consultancy|"
    r"newsroom|publication|magazine|platform|network|redaktion|rédaction|redacción|"
    r"agentur|unternehmen|firma|agence|société|entreprise|studio|agencia|empresa|estudio)\b",
    re.I,
)
# street, postcode and phone lines of a masthead (case matters: a street type is capitalised)
_ADDRESS = re.compile(
    r"""^(?:\d{1,6}[A-Za-z]?\s+(?:[A-Z0-9][\w.'-]*\s+){1,4}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|
        Pl|Place|Pkwy|Parkway|Hwy|Highway|Sq|Square|Ter|Terrace)\.?(?:,?\s*(?:Suite|Ste|Unit|Floor|Fl|\#)\.?\s*\w+)?
      |[A-Z][\w.' -]{1,40},\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?(?:,?\s*(?:USA|US|United\ States))?
      |[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|platz|gasse|allee|ring|damm)\s+\d{1,4}[a-z]?(?:,\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß -]+)?
      |\d{4,5}\s+[A-ZÄÖÜÉ][\wäöüßéèàç'-]+(?:[\s-](?:[A-ZÄÖÜÉ][\wäöüßéèàç'-]+|am|an|der|de|la|le|sur|del)){0,3}
          (?:,\s*(?:Germany|Deutschland|France|España|Spain|Austria|Österreich|Schweiz|Switzerland))?
      |\d{1,4},?\s+(?:rue|avenue|boulevard|bd|place|chemin|allée|quai|impasse)\s+[\w' .-]{2,40}
      |(?:Calle|Avenida|Av\.|Plaza|Paseo|Carrer|C/)\s+[\w' .-]{2,40},?\s*\d{1,5}[a-zA-Z]?
      |(?:Tel|Phone|Fax|Téléphone|Teléfono|Telefon|tel|phone|fax)\.?\s*[:.]?\s*\+?[\d ()./-]{6,20})$""",
    re.X,
)
_REVIEWS = re.compile(
    r"^(?:rated\s+)?\d[\d,.]*\+?\s*(?:/\s*5\s*)?(?:stars?\s+)?(?:reviews?|ratings?|bewertungen|rezensionen|avis|reseñas|opiniones|valoraciones|avaliações)\b.{0,60}$"
    r"|^.{0,40}\b\d[\d,.]*\+?\s*(?:verified\s+|google\s+|client\s+|customer\s+)?(?:reviews|ratings|bewertungen|rezensionen|avis(?:\s+clients)?|reseñas|opiniones|valoraciones)\b.{0,40}$"
    r"|^(?:★|☆|⭐){1,5}.{0,40}$|^(?:rated|bewertet|noté|valorado)\s+\d(?:[.,]\d)?\s*(?:/|out\s+of|von|sur|de)\s*5\b.{0,40}$",
    re.I,
)

_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|f[ée]v(?:rier)?|fevereiro|mar(?:ch|s|z|zo|ço)?|märz|apr(?:il)?|avr(?:il)?|abr(?:il)?|"
    r"may|mai|mayo|maio|jun(?:e|i|io|ho)?|juin|jul(?:y|i|io|ho)?|juil(?:let)?|aug(?:ust)?|ao[uû]t|ago(?:sto)?|sep(?:t|tember|tiembre|tembre|tembro)?|"
    r"set(?:embro)?|oct(?:ober|obre|ubre)?|okt(?:ober)?|out(?:ubro)?|nov(?:ember|embre|iembre|embro)?|dec(?:ember)?|d[ée]c(?:embre)?|dez(?:ember|embro)?|dic(?:iembre)?"
)
_WEEKDAYS = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira"
)
_DATE = re.compile(
    rf"""\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}\b|\b\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}\b
      |\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?|\b\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?(?:{_MONTHS})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?
      |\b(?:{_MONTHS})\.?\s+\d{{4}}\b|\b(?:{_WEEKDAYS})\b\.?,?\s+(?:\d{{1,2}}|{_MONTHS})\b""",
    re.I | re.X,
)
_TIME = re.compile(r"\b\d{1,2}[:h.]\d{2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|uhr|h)?(?!\w)|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am|pm)\b", re.I)
_DATE_WORDS = re.compile(
    rf"""\b(?:{_MONTHS}|{_WEEKDAYS}|updated?|published|posted|modified|last|on|at|by|am|pm|a\.m|p\.m|est|edt|cst|cdt|pst|pdt|utc|gmt|cet|cest|bst|et|pt|ct|
        ist|hkt|jst|aest|\d+|the|of|de|del|le|la|à|às|a|um|am|uhr|von|vom|aktualisiert|veröffentlicht|stand|mis\ à\ jour|publié|le|publicado|actualizado|
        por|em|atualizado|hours?|minutes?|mins?|days?|ago|hrs?|h|il\ y\ a|hace|vor|stunden?|heures?|horas?|read|min|date|time|datum|fecha|data|
        share|comments?|categor(?:y|ia|ía)|tags?|written|autor|author|auteur|par)\b""",
    re.I | re.X,
)


def _dateline(line: str, strict: bool = False) -> bool:
    """A line that only dates the page ("Updated: Tue., Nov. 19, 2019", "5:45 AM PST 11/19/2019
    by A. Writer"). ``strict``: nothing but a date, or a date with an updated/published word."""
    s = line.strip()
    n = _nwords(s)
    if n == 0 or n > 16 or len(s) > 140 or "(@" in s or s.startswith(("—", "–", "--")):
        return False
    has_date = bool(_DATE.search(s))
    if not has_date:
        if not (_TIME.search(s) and re.search(r"\b(?:updated?|published|posted|aktualisiert|mis à jour|actualizado)\b", s, re.I)):
            return False
    rest = _TIME.sub(" ", _DATE.sub(" ", s))
    rest = _DATE_WORDS.sub(" ", rest)
    leftover = [w for w in _WORD.findall(rest) if not w.isdigit()]
    if leftover and _ends_sentence(s):
        return False  # "On March 3, 2025, officials met." is prose
    if strict:
        keyword = re.search(r"\b(?:updated?|published|posted|aktualisiert|veröffentlicht|mis à jour|publié|actualizado|publicado)\b", s, re.I)
        return len(leftover) <= (3 if keyword else 0)
    return len(leftover) <= 4


# ---------------------------------------------------------------------------------------------
# line classification


def _newsletter(line: str) -> bool:
    s = line.strip()
    n = _nwords(s)
    if n == 0 or n > 70:
        return False
    low = s.lower()
    has_kw = bool(_NEWS_KW.search(low))
    cta = bool(_CTA_ANY.search(low))
    if cta and (has_kw or n <= 25):
        return True
    if n > 45 and not cta:
        return False
    if not has_kw:
        return False
    k = _key(s)
    if _CTA_START.match(k):
        return True
    # a short label naming the newsletter / subscription box ("Pick Six Newsletter", "Newsletter")
    return n <= 6 and not _ends_sentence(s)


def _credit(line: str) -> bool:
    s = line.strip()
    n = _nwords(s)
    if n == 0 or n > 40:
        return False
    if _CAPTION_CREDIT.search(s) or (n <= 5 and _AGENCY_ONLY.match(s)):
        return True
    if _BYLINE_CREDIT.match(s):
        return True
    if n <= 25 and _CREDIT_START.match(s):
        return True
    if n <= 18 and (_CREDIT_AGENCY.search(s) or _CREDIT_MARK.search(s)):
        return True
    if n <= 15 and _CREDIT_PHRASE.search(s) and not _ends_with_period(s):
        return True
    # a bare author contact: an e-mail address or a social handle, nothing else
    rest = _WORD.findall(_HANDLE.sub(" ", _EMAIL.sub(" ", re.sub(r"\S*(?:twitter|x|instagram|linkedin)\.com/\S*", " ", s, flags=re.I))))
    return n <= 8 and len(rest) <= 2 and bool(_EMAIL.search(s) or _HANDLE.search(s) or re.search(r"(?:twitter|x|instagram|linkedin)\.com/", s, re.I))


def _disclaimer(line: str) -> bool:
    s = line.strip()
    n = _nwords(s)
    if _DISCLAIMER_START.match(s):
        return True
    if _COPYRIGHT_START.match(s) and n <= 40:
        return True
    return n <= 90 and bool(_LEGAL.search(s))


def _comments(line: str) -> bool:
    s = line.strip()
    if _nwords(s) <= 10 and _is(_COMMENTS, s):
        return True
    return _nwords(s) <= 60 and bool(_COMMENTS_SENTENCE.search(s))


def _share(line: str) -> bool:
    s = line.strip()
    n = _nwords(s)
    if n <= 12 and _is(_SHARE_LABEL, s):
        return True
    if n <= 45 and _FOLLOW_ANY.search(s):
        return True
    return n <= 30 and bool(_SHARE_SENTENCE.match(_key(s)))


def _related_label(line: str) -> bool:
    s = line.strip()
    return _nwords(s) <= 10 and not _ends_sentence(s.rstrip(".…")) and _is(_RELATED_LABEL, s)


def _inline_related(line: str) -> bool:
    s = line.strip()
    m = _INLINE_RELATED.match(s)
    if m and _nwords(m.group("rest")) <= 25 and not _ends_sentence(m.group("rest")) or m and s[:1] in "[(":
        return True
    return bool(_ALSO_ON.match(s)) and _nwords(s) <= 30


def _widget(line: str) -> bool:
    s = line.strip()
    return (_nwords(s) <= 10 and _is(_WIDGET, s)) or bool(_WIDGET_LINE.match(s))


def _aggregator(line: str) -> bool:
    s = line.strip()
    return _nwords(s) <= 12 and _is(_AGGREGATOR, s)


def _url_line(line: str, url: str | None) -> bool:
    s = line.strip()
    if _URL_ONLY.match(s) or _URL_LABELLED.match(s):
        return True
    links = _URL_ANY.findall(s)
    if links and _nwords(_URL_ANY.sub(" ", s)) <= 6 and _nwords(s) <= 40:
        return True  # "More news: <url> and <url>"
    return bool(url) and s.rstrip("/") == url.rstrip("/")


def _section_tags(line: str) -> bool:
    s = line.strip()
    if _TAG_START.match(s):
        return True
    return _nwords(s) <= 3 and _is(_SECTION, s)


_BYLINE = re.compile(
    r"^(?i:by|from|von|par|por|di|door|written\s+by|text:?|texte\s*:|autor(?:in)?:?|auteur\s*:)\s+"
    r"(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?[A-ZÀ-ÖØ-Þ][\w.'’-]+(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w.'’-]+|de|da|van|von|der|la|le|del|di|y|e))*"
    r"(?:\s*(?:,|and|&|und|et|y|e|\||-|–|—)\s*.{0,80})?$",
)


def _byline(line: str) -> bool:
    """"By Jane Doe, Technology Correspondent", "Von Max Muster", "Par Jeanne Dupont et ..."."""
    s = line.strip()
    return _nwords(s) <= 16 and not _ends_sentence(s) and bool(_BYLINE.match(s))


def _title_case(line: str) -> bool:
    """A headline in Title Case ("15 Amazing Images of Stars"), not a phrase or a sentence."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", _BULLET.sub("", line)) if len(w) >= 4]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _tag_list(line: str) -> bool:
    """"Nvidia, export controls, Huawei" / "Chips · China · Trade": short items, no sentence."""
    s = line.strip()
    if _nwords(s) > 40 or _ends_sentence(s):
        return False
    parts = [p for p in re.split(r"\s*[,·|•;/#]\s*", s) if p.strip()]
    return len(parts) >= 2 and all(_nwords(p) <= 4 for p in parts) or _nwords(s) <= 3


def _blurb(line: str) -> bool:
    s = line.strip()
    return bool(_BLURB_START.match(s) or _ADDRESS.match(s) or _REVIEWS.match(s))


# families in the order they are tried; ``strong`` ones may be cut anywhere in the body
def _classify(line: str, url: str | None) -> str | None:
    if _url_line(line, url):
        return "url"
    if _widget(line):
        return "widget"
    if _related_label(line) or _inline_related(line):
        return "related"
    if _comments(line):
        return "comments"
    if _share(line):
        return "share"
    if _aggregator(line):
        return "aggregator"
    if _newsletter(line):
        return "newsletter"
    if _disclaimer(line):
        return "disclaimer"
    if _credit(line):
        return "credit"
    if _section_tags(line):
        return "section"
    return None


def _strong(line: str, url: str | None) -> str | None:
    """Unmistakable single-line widgets, cut wherever they stand."""
    s = line.strip()
    n = _nwords(s)
    if bool(url) and s.rstrip("/") == (url or "").rstrip("/"):
        return "url"
    if n <= 8 and _is(_WIDGET, s) and not _is(_THIN_WIDGET, s):
        return "widget"
    if _WIDGET_LINE.match(s):
        return "widget"
    if _inline_related(s):
        return "related"
    if _SHORTCODE.search(s):
        return "widget"
    if n <= 20 and (_IMAGE_CREDIT_START.match(s) or _CREDIT_MARK.search(s)) or n <= 45 and _CAPTION_CREDIT.search(s):
        return "credit"
    if n <= 8 and _related_label(s) and (n >= 2 or s.rstrip().endswith(":") or _key(s) in ("related", "more", "recommended")):
        return "related"  # a lone rail label whose items were not extracted ("Most read in world news")
    if n <= 8 and _is(_SHARE_LABEL, s) and re.search(r"share|teilen|partager|compartir|tweet|link", s, re.I):
        return "share"
    if n <= 20 and _newsletter(s) and _NEWS_STRICT.search(s.lower()) and (_CTA_ANY.search(s.lower()) or _CTA_START.match(_key(s))):
        return "newsletter"
    return None


# widget words too ordinary to cut in mid-body (a subheading "Summary", a one-word line "Next")
_THIN_WIDGET = _full(r"""
  contents | close | menu | next | previous | prev | top | audio | zoom | expand | collapse | thanks | thank\ you | inhalt | contenidos? | bookmark
| e-?mail | print | save | ads? | sponsored | conteúdo | what'?s\ (?:included|inside|in\ this\ (?:article|guide|post)) | in\ this\ (?:guide|post)
""")


# ---------------------------------------------------------------------------------------------
# the title


def _title_variants(title: str | None) -> list[list[str]]:
    if not title or not title.strip():
        return []
    out = [_tokens(title)] if _tokens(title) else []
    for part in re.split(r"\s+[|–—·•:]\s+|\s+-\s+|\s+::\s+", title):
        t = _tokens(part)
        if len(t) >= 2 and t not in out:  # "Headline | Site" -> "Headline"
            out.append(t)
    return out


def _matches_title(line: str, variants: list[list[str]], loose: bool) -> bool:
    lt = _tokens(line)
    if not lt:
        return False
    for vt in variants:
        if lt == vt:
            return True
        if not loose or len(vt) < 3 or len(lt) > 1.5 * len(vt) + 3:
            continue
        common = sum(min(lt.count(w), vt.count(w)) for w in set(vt))
        if common / len(vt) >= 0.8 and (_headline_like(line, 30) or common / len(lt) >= 0.6):
            return True
        if common / len(lt) >= 0.9 and len(lt) >= 3:  # the line is the title minus a suffix
            return True
    return False


# ---------------------------------------------------------------------------------------------
# the cleaner


class _Page:
    def __init__(self, lines: list[str], title: str | None, url: str | None):
        self.lines = lines
        self.alive = [True] * len(lines)
        self.removed: dict[int, str] = {}
        self.prefix: dict[int, str] = {}  # glued widget prefix cut off a line
        self.title = title
        self.url = url
        self.variants = _title_variants(title)

    def idx(self) -> list[int]:
        return [i for i, a in enumerate(self.alive) if a]

    def cut(self, i: int, family: str) -> None:
        if self.alive[i]:
            self.alive[i] = False
            self.removed[i] = family


def _inferred_title(page: _Page, order: list[int]) -> bool:
    """Without a known title: is the first line a headline, as a naive capture puts it?"""
    if len(order) < 2:
        return False
    first, second = page.lines[order[0]], page.lines[order[1]]
    if not _headline_like(first, 25) or _nwords(first) < 2 or _list_item(first):
        return False
    if _tokens(first) == _tokens(second):
        return True
    return _dateline(second) or _is(_SUMMARY, second) or (
        len(order) > 2 and _section_tags(second) and _nwords(second) <= 3 and _dateline(page.lines[order[2]])
    )


def _top(page: _Page) -> None:
    order = page.idx()
    title_seen = False
    k = 0
    while k < len(order):
        i = order[k]
        line = page.lines[i]
        nxt = page.lines[order[k + 1]] if k + 1 < len(order) else ""
        fam = None
        if page.variants and _matches_title(line, page.variants, loose=k < 4):
            fam = "title"
        elif not page.variants and k == 0 and _inferred_title(page, order):
            page.variants = _title_variants(line)
            fam = "title"
        elif title_seen and _tokens(line) and page.variants and _tokens(line) in page.variants:
            fam = "title"
        elif _byline(line):
            fam = "byline"
        elif _dateline(line) and not (nxt and _dateline(nxt)):
            fam = "dateline"  # one dateline: a run of dated lines is a schedule, i.e. content
        elif _blurb(line):
            fam = "blurb"
        elif _nwords(line) <= 3 and not _ends_sentence(line) and not _list_item(line) and nxt and (
            page.variants and _matches_title(nxt, page.variants, loose=True)
        ):
            fam = "section"  # a section label over the headline
        elif _nwords(line) <= 8 and _is(_SUMMARY, line):
            # a summary box: its label and the bullets under it
            page.cut(i, "summary")
            k += 1
            while k < len(order) and _list_item(page.lines[order[k]]):
                page.cut(order[k], "summary")
                k += 1
            continue
        else:
            fam = _classify(line, page.url)
            if fam == "related" and _related_label(line):
                page.cut(i, fam)
                k += 1
                while k < len(order) and _headline_like(page.lines[order[k]], 25):
                    page.cut(order[k], "related")
                    k += 1
                continue
        if fam is None:
            break
        if fam == "title":
            title_seen = True
        page.cut(i, fam)
        k += 1


def _compatible(line: str, after_anchor: bool) -> bool:
    """Can this line sit inside a furniture block (below its anchor)?"""
    n = _nwords(line)
    if n <= 8 and not _ends_with_period(line):
        return True
    if _headline_like(line, 25):
        return True
    if _list_item(line) and n <= 40:
        return True
    if line.rstrip().endswith("?") and n <= 30:
        return True
    return after_anchor and n <= 30


_ANCHORS = frozenset({"related", "comments", "share", "newsletter", "aggregator", "widget", "disclaimer"})


def _bottom(page: _Page) -> bool:
    changed = False
    run_done = False
    # 1. peel furniture lines off the end
    while True:
        order = page.idx()
        if len(order) <= 1:
            return changed
        i = order[-1]
        line = page.lines[i]
        below_cut = any(not page.alive[j] and j in page.removed for j in range(i + 1, len(page.lines)))
        fam = _classify(line, page.url)
        if fam is None and _dateline(line, strict=True):
            fam = "dateline"
        if fam is None and page.variants and _tokens(line) in page.variants and not _ends_sentence(line):
            fam = "title"
        if fam is None and len(order) >= 2 and _tag_list(line) and _section_tags(page.lines[order[-2]]):
            page.cut(i, "section")  # the tags under a "Tags:" label
            page.cut(order[-2], "section")
            changed = True
            continue
        if fam is None and below_cut and _nwords(line) <= 3 and not _ends_sentence(line) and not _list_item(line):
            fam = "section"  # a bare label ("Business") left above a removed block
        if fam is None:
            # an unintroduced run of headline links at the very end
            run = []
            for j in reversed(order):
                item = page.lines[j]
                if _list_item(item) and 4 <= len(_WORD.findall(item)) <= 30 and _title_case(item):
                    run.append(j)
                else:
                    break
            sentences = sum(1 for j in run if _ends_sentence(page.lines[j]) and not page.lines[j].rstrip().endswith("?"))
            if not run_done and 2 <= len(run) <= 12 and len(run) < len(order) and sentences * 4 <= len(run):
                run_done = True
                before = page.lines[order[len(order) - len(run) - 1]].rstrip()
                # a list under a heading or a colon is the article's; after a paragraph, a rail
                if _ends_sentence(before) and not before.endswith(":"):
                    for j in run:
                        page.cut(j, "related")
                    changed = True
                    continue
            break
        page.cut(i, fam)
        changed = True
    # 2. an anchor takes every line after it, if they all look like furniture
    order = page.idx()
    total = sum(_nwords(page.lines[j]) for j in order)
    best = None
    tail_ok = True
    for pos in range(len(order) - 1, 0, -1):
        j = order[pos]
        line = page.lines[j]
        fam = _classify(line, page.url)
        if fam in _ANCHORS:
            best = pos
        prev = page.lines[order[pos - 1]]
        # the one-line description under a widget's label ("Pick Six Newsletter" / "Get the day's ...")
        after_anchor = _nwords(prev) <= 5 and not _ends_sentence(prev) and _classify(prev, page.url) is not None
        if fam is None and not _compatible(line, after_anchor):
            tail_ok = False
        if not tail_ok:
            break
    if best is not None:
        tail = order[best:]
        tail_words = sum(_nwords(page.lines[j]) for j in tail)
        furniture_words = sum(_nwords(page.lines[j]) for j in tail if _classify(page.lines[j], page.url))
        if tail_words - furniture_words <= 0.5 * total:
            for j in tail:
                page.cut(j, _classify(page.lines[j], page.url) or "related")
            changed = True
    return changed


def _middle(page: _Page) -> None:
    order = page.idx()
    k = 0
    while k < len(order):
        i = order[k]
        line = page.lines[i]
        if _related_label(line) and k + 1 < len(order) and _headline_like(page.lines[order[k + 1]], 20):
            # a related-links box: its label and the headlines under it
            page.cut(i, "related")
            k += 1
            while k < len(order) and _headline_like(page.lines[order[k]], 20) and (
                _list_item(page.lines[order[k]]) or _nwords(page.lines[order[k]]) <= 16
            ) and _classify(page.lines[order[k]], page.url) in (None, "related"):
                page.cut(order[k], "related")
                k += 1
            continue
        fam = _strong(line, page.url)
        if fam is None and page.variants and k > 0 and _tokens(line) in page.variants and not _ends_sentence(line):
            fam = "title"
        if fam is not None:
            page.cut(i, fam)
        k += 1


def _glued(page: _Page) -> None:
    for k, i in enumerate(page.idx()):
        line = page.lines[i]
        m = _GLUED.match(line)
        if not m or not line[m.end():].strip():
            continue
        page.prefix[i] = line[: m.end()]
        page.lines[i] = line[m.end():].strip()
        # a table of contents' own heading just above it ("What's included?", "Contents")
        order = page.idx()
        pos = order.index(i)
        if pos > 0 and _TOC_TOKEN.match(m.group("tok")):
            prev = page.lines[order[pos - 1]]
            if _nwords(prev) <= 6 and not prev.rstrip().endswith((".", ",", ";")):
                page.cut(order[pos - 1], "widget")


def _url_fragments(page: _Page) -> None:
    """A URL broken over two lines: a bare URL, then the rest of it (no spaces, slug-like)."""
    order = page.idx()
    for a, b in zip(order, order[1:]):
        first, rest = page.lines[a], page.lines[b]
        if not (page.alive[a] and _URL_ONLY.match(first) and _URL_FRAGMENT.match(rest) and len(rest) <= 100):
            continue
        if (
            (page.url and (first + rest).rstrip("/") == page.url.rstrip("/"))
            or first[-1] in "-/_=&?.%"
            or rest[0] in "-/_=&?.%"
            or re.fullmatch(r"[a-z0-9]+(?:[-/_.][a-z0-9]+)+/?", rest)
        ):
            page.cut(a, "url")
            page.cut(b, "url")


def _one_pass(lines: list[str], title: str | None, url: str | None) -> tuple[list[str], list[Removed]]:
    page = _Page(lines, title, url)
    _glued(page)
    _url_fragments(page)
    _top(page)
    _middle(page)
    for _ in range(6):
        if not _bottom(page):
            break
    removed: list[Removed] = []
    for i in range(len(lines)):
        if i in page.prefix:
            removed.append(Removed(page.prefix[i].strip(), "widget"))
        if i in page.removed:
            removed.append(Removed(lines[i] if i not in page.prefix else page.lines[i], page.removed[i]))
    kept = [page.lines[i] for i in page.idx()]
    if not kept and lines:
        # never empty a page: if everything looked like furniture, it was not
        return lines, []
    return kept, removed


def _split(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def strip_furniture(text: str, *, title: str | None = None, url: str | None = None) -> FurnitureResult:
    """Remove furniture lines from one article body. Never raises, never adds text."""
    try:
        lines = _split(text or "")
    except Exception:
        return FurnitureResult(text=text if isinstance(text, str) else "", removed=())
    try:
        removed: list[Removed] = []
        for _ in range(len(lines) + 2):  # to a fixed point, so that the result is idempotent
            kept, gone = _one_pass(list(lines), title, url)
            if not gone:
                break
            removed.extend(gone)
            lines = kept
        return FurnitureResult(text="\n".join(lines), removed=tuple(removed))
    except Exception:
        return FurnitureResult(text="\n".join(lines), removed=())
