"""The grammars of the families: label vocabularies (English, German, French, Spanish, with
Portuguese and Italian where they came for free), sentence shapes, markers. Each is matched
against ``text.key(line)`` (a full match) unless its family's test in ``families`` says
otherwise. A grammar describes a family, never one site's phrase."""

from __future__ import annotations

import re

from .text import full

# ---------------------------------------------------------------------------------------------
# family grammars (matched against key(line) unless said otherwise)

SOCIAL = r"(?:facebook|twitter|instagram|linkedin|youtube|tiktok|threads|mastodon|bluesky|telegram|whatsapp|pinterest|reddit|flipboard|x\b|e-?mail|sms|messenger)"

RELATED_LABEL = full(r"""
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
      (?:\ (?:zum|zu\ diesem)\ thema)?
| weiterführende?r?\ (?:links?|artikel|beiträge|lektüre|literatur) | entdecke\ (?:weitere|mehr)\ \S.{0,30}
| (?:kommende|nächste|weitere)\ (?:events|veranstaltungen|termine)
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
INLINE_RELATED = re.compile(
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
ALSO_ON = re.compile(r"^also\s+on\s+[\w-]+(?:\.[\w-]+)+\s+\S", re.I)

SHARE_LABEL = full(rf"""
  share(?:\ (?:this|the|your|our))?(?:\ (?:article|story|post|page|link|video|gallery|on|via|it|now))*(?:\ (?:on|via)\ {SOCIAL})?
| share\ (?:on|via|to|with)\ {SOCIAL}.{{0,40}} | {SOCIAL}(?:\ {SOCIAL}){{1,8}}
| (?:click\ to\ )?(?:tweet|pin|email|print|share)(?:\ (?:this|it|article|story|page))? | copy(?:\ (?:the\ )?link)? | link\ copied(?:\ to\ clipboard)?
| (?:artikel\ |diesen\ artikel\ |beitrag\ |seite\ )?teilen(?:\ (?:auf|via|per)\ .{{1,20}})? | jetzt\ teilen | link\ kopieren
| partager(?:\ (?:cet\ article|sur\ .{{1,20}}|par\ .{{1,20}}|l'article|la\ page))? | copier\ le\ lien
| compartir(?:\ (?:en\ .{{1,20}}|este\ artículo|esta\ noticia|la\ nota|por\ .{{1,20}}))? | comparte(?:\ (?:esta\ noticia|este\ artículo))? | copiar\ (?:el\ )?enlace
| compartilhe | condividi
""")
# "Like this story? Share it with a friend!", "Follow us on Twitter", "Folgen Sie uns auf ..."
SHARE_SENTENCE = re.compile(
    rf"""^(?:
        (?:did\ you\ )?(?:like|love|enjoy(?:ed)?|liked|loved)\ (?:this|the|our)\ (?:story|article|post|piece|read)\b.{{0,40}}\bshare\b
      | share\ (?:this|the)\ (?:story|article|post|piece|link)\ with\b
      | (?:please\ )?(?:follow|like|join|find|connect\ with)\ (?:us|me|him|her|them|@\w+|[\w.'& -]{{1,40}})\ (?:on|at|via)\ .{{0,40}}\b{SOCIAL}
      | follow\ @\w+ | follow\ (?:us|him|her|me)\b.{{0,40}}@\w+
      | (?:folgen|folge)\ (?:sie\ )?(?:uns|mir)\b | suivez[- ]nous\b | rejoignez[- ]nous\ sur\b | síguenos\b | siga[- ]nos\b | seguici\b
      | teilen\ sie\ (?:diesen|den)\ (?:artikel|beitrag) | partagez\ (?:cet|l')\ ?article | comparte\ (?:esta|este)\ (?:noticia|artículo)
    )""",
    re.I | re.X,
)

FOLLOW_ANY = re.compile(rf"\bfollow\s+(?:us|him|her|me|them)\s+(?:on|at|via)\s+.{{0,30}}\b{SOCIAL}|\bfollow\s+(?:us|him|her|me)\s+@\w+", re.I)
NEWS_KW = re.compile(
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
NEWS_STRICT = re.compile(
    r"newsletter|\binbox\b|\bapp\b|\bsubscribe\s+(?:to\s+(?:our|the|my)|now|here|today)|abonn|infolettre|lettre d'information|bolet[ií]n",
    # searched in the lower-cased line
)
CTA_START = re.compile(
    r"""^(?:subscribe|sign\ up|sign\ in|log\ in|join|get|download|stay|never\ miss|don'?t\ miss|want|click|tap|register|receive
        |keep\ an\ eye|thanks?\ (?:you\ )?for\ (?:signing|subscribing|registering)|thank\ you\ for\ (?:signing|subscribing|registering)
        |there\ was\ an\ error|if\ you\ (?:enjoyed|liked|like|value|appreciate|found)|enjoyed\ this|like\ what\ you|support|become|start\ your
        |abonnieren|abonniere|abonnieren\ sie|melden\ sie\ sich|jetzt|holen\ sie|erhalten\ sie|registrieren
        |abonnez|inscrivez|recevez|téléchargez|rejoignez|ne\ manquez
        |suscr[ií]b\w*|reg[ií]str\w*|recibe|descarga|únete|no\ te\ pierdas|assine|inscreva)\b(?!-only\b)""",
    re.I | re.X,
)
CTA_ANY = re.compile(
    r"""\b(?:click(?:ing)?\ here|tap\ here|sign\ up\ (?:for|to|now|here|today)|subscribe\ (?:to\ (?:our|the|my)|now|here|for|today)
        |(?:your|the)\ inbox|our\ newsletters?|straight\ to\ your|delivered\ (?:to|through|straight|right)|in\ your\ inbox
        |hier\ (?:abonnieren|anmelden|klicken)|cliquez\ ici|haga\ clic\ aquí|haz\ clic\ aquí|clique\ aqui)\b
      |^if\ you\ (?:enjoyed|liked|valued|appreciated|found\ value\ in)\ (?:this|our|reading)\b.{0,200}\b(?:join|subscri|support|become|donat|member|sign)
      |^how\ to\ (?:listen|watch|subscribe|follow)\b
      |^(?:listen|watch|stream|hear)\b.{0,80}\b(?:live|listen\ back|on\ demand|podcasts?|radio|weekdays|episodes?)\b""",
    re.X,  # searched in the lower-cased line
)

COMMENTS = full(r"""
  (?:\d+\ )?(?:comments?|responses?|replies|reactions?|discussions?)(?:\ \(?\d+\)?)?(?:\ \d+)?
| (?:show|view|load|read|see|hide|open|close)\ (?:all\ )?(?:\d+\ )?(?:comments?|replies|the\ discussion)
| (?:no\ )?comments?\ (?:yet|closed|are\ closed|are\ off|disabled|have\ been\ closed)(?:\ for\ this\ (?:article|post|story))?
| comments\ (?:on|for)\ this\ (?:entry|post|article|story)\ are\ closed
| leave\ a\ (?:reply|comment|response)(?:\ cancel\ reply)? | cancel\ reply | reply | post\ (?:a\ |your\ )?comment | add\ (?:a|your)\ comment
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
COMMENTS_SENTENCE = re.compile(
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

DISCLAIMER_START = re.compile(
    r"^[\[(*]*\s*(?:disclaimer|disclosure|legal\ notice|haftungsausschluss|rechtlicher\ hinweis|risikohinweis|avertissement|"
    r"clause\ de\ non-responsabilité|avis\ de\ non-responsabilité|aviso\ legal|descargo\ de\ responsabilidad|"
    r"exención\ de\ responsabilidad|aviso\ de\ responsabilidad|isenção\ de\ responsabilidade)\b\s*[:.\-–—]",
    re.I | re.X,
)
LEGAL = re.compile(
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
COPYRIGHT_START = re.compile(r"^(?:copyright\b|©|\(c\)\s*\d{4}|℗)", re.I)

CREDIT_START = re.compile(
    r"""^[\[(]?\s*(?:(?:lead\ |top\ |featured\ |header\ |cover\ )?(?:photo|photograph|picture|image|img|foto|bild|fotografía|imagen|illustration|
        screenshot|crédit(?:s)?\ photo|photo\ credit|image\ credit|image\ source|bildquelle|fotoquelle|credits?|
        quelle|source|sources|fuente|fuentes|fonte|via)s?(?:\ (?:credit|courtesy|by|source|provided\ by))?)\s*[:©|]""",
    re.I | re.X,
)
IMAGE_CREDIT_START = re.compile(
    r"^[\[(]?\s*(?:(?:lead|top|featured|header|cover|main)\s+)?(?:photo|photograph|picture|image|foto|bild|fotografía|imagen|illustration)s?"
    r"(?:\s+(?:credit|courtesy|by|source|provided\s+by))?\s*[:©]|^[\[(]?\s*(?:image|photo|picture|bild|foto)\s+(?:credit|source|courtesy)s?\b|"
    r"^[\[(]?\s*(?:crédits?\s+photos?|bildquelle|fotoquelle|fotos?\s*:)",
    re.I,
)
AGENCIES = (
    r"getty(?:\s+images)?|shutterstock|reuters|afp|ap|associated\s+press|dpa|epa(?:-efe)?|efe|bloomberg|istock(?:photo)?|"
    r"unsplash|pexels|pixabay|wikimedia(?:\s+commons)?|alamy|imago|picture\s+alliance|xinhua|ansa|sipa|nurphoto|zuma|anadolu"
)
AGENCY_ONLY = re.compile(rf"^[\[(]?\s*(?:{AGENCIES})(?:\s*(?:/|via|and|&|,)\s*(?:{AGENCIES}))*(?:\s+(?:images|photos?))?\s*[\])]?\.?$", re.I)
# "A worker inspects a wafer. (AP Photo/Jane Doe)", "... (Photo: Jane Doe)"
CAPTION_CREDIT = re.compile(
    rf"\((?:{AGENCIES})(?:\s+photos?)?\s*/\s*[^()]{{1,60}}\)\s*$|\((?:photo|image|foto|bild|imagen|picture)s?\s*(?:by|:|credit:?|courtesy(?:\s+of)?)\s*[^()]{{1,60}}\)\s*$",
    re.I,
)
SHORTCODE = re.compile(r"\[/?(?:button|caption|embed|gallery|audio|video|playlist|su_\w+|vc_\w+|et_pb_\w+|tweetable|ctt)\b[^\]]*\]", re.I)
CREDIT_AGENCY = re.compile(
    r"(?:[/|©]|\bvia\b|\bby\b|\bcredit:?|\bcourtesy(?:\ of)?\b|\bphoto:?)\s*(?:[\w.&' -]{0,40}\s)?"
    r"(?:getty(?:\ images)?|shutterstock|reuters|afp|ap(?:\ photo)?|associated\ press|dpa|epa(?:-efe)?|efe|bloomberg|istock(?:photo)?|"
    r"unsplash|pexels|pixabay|wikimedia(?:\ commons)?|alamy|imago|picture\ alliance|xinhua|ansa|sipa|abaca|nurphoto|zuma|anadolu)"
    r"(?:\ (?:images|photo|via\ getty\ images))?\s*[)\]]?\.?$",
    re.I | re.X,
)
# a caption's credit: "Axies image taken from X's account" (only at the edges, and not a sentence)
CREDIT_PHRASE = re.compile(
    r"\b(?:photo|picture|image|foto|bild|imagen|screenshot|illustration)s?\s+(?:taken\ from|courtesy(?:\ of)?|via|source[ds]?|credit(?:ed)?|provided\ by|by|from|de|von|par|aus)\b",
    re.I | re.X,
)
# unmistakable credit markers: "(Photo: ...)", "photos © Agency"
CREDIT_MARK = re.compile(
    r"\((?:photo|image|credit|foto|bild|imagen)s?\s*:|\b(?:photo|image|picture|foto|bild|imagen)s?\s*(?:©|\(c\)|copyright\b)",
    re.I,
)
BYLINE_CREDIT = re.compile(
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
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
URL_LABELLED = re.compile(r"^[\w'’ .-]{1,25}:\s*(?:https?://|www\.)\S+$", re.I)
URL_ANY = re.compile(r"(?:https?://|www\.)\S+", re.I)
URL_FRAGMENT = re.compile(r"^[\w\-./%?=&#~+:,;@!$*'()]+$")

SECTION = full(r"""
  (?:tags?|topics?|filed\ under|categor(?:y|ies)|keywords?|schlagwörter|stichwörter|themen|schlagworte|mots[-\ ]clés|étiquettes|
     catégories?|rubriques?|etiquetas|temas|categorías?|palabras\ clave|categorias?|marcadores|argomenti)(?:\ :.*|:.*|\ \|.*)?
""")
TAG_START = re.compile(
    r"^(?:tags?|topics?|filed\ under|categor(?:y|ies)|keywords?|schlagwörter|stichwörter|themen|mots[-\ ]clés|étiquettes|catégories?|"
    r"etiquetas|temas|categorías?|palabras\ clave|posted\ in|archivado\ en|abgelegt\ unter|classé\ dans|publicado\ en)\s*[:|]", re.I | re.X,
)

WIDGET = full(r"""
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
| (?:page|seite|página|pagina)\ \d+\ (?:of|/|von|de|sur|di)\ \d+ | featured\ advertis(?:ing|ements?) | sponsored\ (?:links|content|stories|results)
| inhaltsverzeichnis | inhalt | table\ des\ matières | sommaire | índice(?:\ de\ contenidos?)? | tabla\ de\ contenidos? | contenidos? | conteúdo
| what'?s\ (?:included|inside|in\ this\ (?:article|guide|post)) | in\ this\ (?:guide|post) | quick\ (?:links|navigation)
| (?:\d+\ )?(?:min(?:ute)?s?|mins?)\ (?:read|lesezeit|de\ lecture|de\ lectura|de\ leitura)
| (?:reading\ time|lesezeit|lesedauer|temps\ de\ lecture|tiempo\ de\ lectura|tempo\ de\ leitura)\b.{0,25}
| (?:estimated\ )?read(?:ing)?\ time\b.{0,25}
""")
WIDGET_LINE = re.compile(r"^(?:loading|chargement|cargando|wird\s+geladen)\b.{0,60}(?:\.\.\.|…)$", re.I)
TOC_TOKEN = re.compile(r"toggle|table|inhalts|tabla", re.I)
# a widget token glued onto the first word of a line ("ToggleArtificial intelligence ...")
GLUED = re.compile(
    r"^(?P<tok>Toggle(?:\s*Table\s+of\s+Contents)?|Table\s+of\s+Contents|Inhaltsverzeichnis|Table\s+des\s+matières|Tabla\s+de\s+contenidos?|"
    r"Advertisement|Anzeige|Werbung|Publicité|Publicidad|Skip\s+to\s+(?:main\s+)?content|Share\s+this\s+article|Listen\s+to\s+this\s+article|"
    r"Loading\.\.\.|Loading…)\s*(?=[A-ZÀ-ÖØ-ÞĀ-Ž\"“‘'(])"
)

SUMMARY = full(r"""
  in\ this\ (?:post|article|story|piece|guide) | key\ (?:takeaways|points|facts|highlights|findings|insights) | takeaways | highlights
| at\ a\ glance | tl;?\ ?dr | summary | (?:the\ )?gist | what\ you\ need\ to\ know | quick\ (?:read|take|summary) | in\ brief | in\ short
| the\ big\ picture | why\ it\ matters | story\ highlights | article\ summary | ai\ summary | summary\ by\ ai
| auf\ einen\ blick | das\ wichtigste\ (?:in\ kürze|im\ überblick|zusammengefasst) | in\ kürze | kurz\ (?:gesagt|und\ knapp) | zusammenfassung
| en\ bref | l'essentiel | en\ résumé | (?:ce\ qu'il\ faut\ )?(?:à\ )?retenir | points\ clés | résumé
| en\ resumen | lo\ (?:más\ )?(?:importante|esencial) | claves | puntos\ clave | resumen | en\ breve | lo\ que\ (?:debes|hay\ que)\ saber
| em\ resumo | pontos[-\ ]chave | in\ sintesi
""")

AGGREGATOR = full(r"""
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

BLURB_START = re.compile(
    r"^(?:we\s+are|we're|we\s+help|wir\s+sind|nous\s+sommes|somos|about\s+us)\b.{0,160}\b(?:agency|company|studio|team|firm|consultancy|"
    r"newsroom|publication|magazine|platform|network|redaktion|rédaction|redacción|"
    r"agentur|unternehmen|firma|agence|société|entreprise|studio|agencia|empresa|estudio)\b",
    re.I,
)
# street, postcode and phone lines of a masthead (case matters: a street type is capitalised)
ADDRESS = re.compile(
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
REVIEWS = re.compile(
    r"^(?:rated\s+)?\d[\d,.]*\+?\s*(?:/\s*5\s*)?(?:stars?\s+)?(?:reviews?|ratings?|bewertungen|rezensionen|avis|reseñas|opiniones|valoraciones|avaliações)\b.{0,60}$"
    r"|^.{0,40}\b\d[\d,.]*\+?\s*(?:verified\s+|google\s+|client\s+|customer\s+)?(?:reviews|ratings|bewertungen|rezensionen|avis(?:\s+clients)?|reseñas|opiniones|valoraciones)\b.{0,40}$"
    r"|^(?:★|☆|⭐){1,5}.{0,40}$|^(?:rated|bewertet|noté|valorado)\s+\d(?:[.,]\d)?\s*(?:/|out\s+of|von|sur|de)\s*5\b.{0,40}$",
    re.I,
)

BYLINE = re.compile(
    r"^(?i:by|from|von|par|por|di|door|written\s+by|text:?|texte\s*:|autor(?:in)?:?|auteur\s*:)\s+"
    r"(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?[A-ZÀ-ÖØ-Þ][\w.'’-]+(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w.'’-]+|de|da|van|von|der|la|le|del|di|y|e))*"
    r"(?:\s*(?:,|and|&|und|et|y|e|\||-|–|—)\s*.{0,80})?$",
)


# widget words too ordinary to cut in mid-body (a subheading "Summary", a one-word line "Next")
THIN_WIDGET = full(r"""
  contents | close | menu | next | previous | prev | top | audio | zoom | expand | collapse | thanks | thank\ you | inhalt | contenidos? | bookmark
| e-?mail | print | save | ads? | sponsored | conteúdo | what'?s\ (?:included|inside|in\ this\ (?:article|guide|post)) | in\ this\ (?:guide|post)
""")


# --- families added for the leftovers of real pages (issue 15) ----------------------------------

# "You Can Also Check: Gold Rate in Bhopal…", "Also read - <headline>", "Check out: <headline>"
RELATED_LINE = re.compile(
    r"""^[\[(]?\s*(?:you\ (?:can|may|might|should)\ also\ (?:check|read|see|like|visit|watch)(?:\ out)?
      | (?:also|please)\ (?:check|read|see|watch)(?:\ out)? | check\ (?:out\ )?(?:also|this|these)
      | (?:must|suggested|recommended|related|popular|trending)\ (?:read|reads|reading|story|stories|post|posts|article|articles|links?)
      | (?:read|see|watch)\ (?:also|too|this|next) | also\ on\ (?:our\ )?(?:site|blog)
      | ebenfalls\ interessant | lesetipp | à\ lire | (?:lee|lea)\ (?:también|además) | te\ recomendamos
    )\s*[:：|»›\-–—]\s*(?P<rest>\S.*)$""",
    re.I | re.X,
)
# a retail call to action: "View Deal", "$299 at Amazon", "Check price at Best Buy", "Zum Angebot"
DEAL_CTA = full(r"""
  (?:view|see|get|grab|check|shop|buy)\ (?:the\ )?(?:deal|deals|offer|price|prices|it|now|on\ \S.{0,25}|at\ \S.{0,25})
| (?:check|see|view)\ (?:price|prices|availability)(?:\ (?:at|on)\ \S.{0,25})? | buy\ now | shop\ now | deal\ of\ the\ day
| (?:jetzt\ )?(?:kaufen|bestellen) | zum\ angebot | (?:zum|bei)\ \S{2,20}\ (?:kaufen|ansehen) | preis\ prüfen
| voir\ l'offre | voir\ le\ prix | acheter(?:\ maintenant)? | ver\ oferta | comprar(?:\ ahora|\ en\ \S.{0,20})? | ver\ precio
""")
PRICE_AT = re.compile(
    r"^(?:(?:was|now|only|from|ab|dès|desde)\s+)?(?:[$€£¥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:€|eur|usd|\$|£))"
    r"(?:\s*(?:\(|,)?\s*(?:was|save|reg\.?|list)\s+[$€£]?\s?\d[\d,.]*\)?)?\s+(?:at|@|from|on|bei|chez|en)\s+\S.{0,30}$",
    re.I,
)
# subscription and log-in prompts in Japanese, Chinese and Korean ("続きを読むには会員登録が必要です")
CJK_SUBSCRIBE = re.compile(
    r"続きを読む|続きは(?:会員|有料|ログイン|こちら)|(?:この|本)記事は(?:有料)?(?:会員|購読者)(?:限定|向け)|有料会員(?:になる|登録|限定|の方|向け)"
    r"|無料会員(?:登録|になる)|会員登録(?:[(（]無料[)）]|する|して|すると|が必要|はこちら)|ログイン(?:して|すると|が必要|してください|はこちら)"
    r"|残り\d+文字|購読(?:する|のお申し込み|はこちら|を申し込む)|今すぐ(?:登録|購読)"
    r"|登录(?:后|以)(?:阅读|查看)|阅读全文|立即订阅|订阅(?:我们|本刊|本站)|付费(?:阅读|会员)|会员专享"
    r"|구독하기|구독하세요|회원가입(?:하기|하세요|후)|로그인(?:하고|후|하면)|유료\s?회원"
)
# a jump link: "Jump to: Reviews", "Skip to the recipe", "↓ Zum Rezept"
JUMP_LINK = re.compile(
    r"^(?:[↓⬇▼»›]\s*)?(?:jump\s+to|skip\s+to|go\s+to\s+(?:the\s+)?(?:section|recipe|comments|review)|zum\s+(?:abschnitt|rezept)|"
    r"aller\s+(?:à|au)|ir\s+a(?:l)?)\b.{0,60}$",
    re.I,
)

# ---------------------------------------------------------------------------------------------
# Chinese and Japanese furniture (Korean's shapes are covered by the families above: a reporter's
# e-mail line, 무단 전재 notices, 입력/수정 datelines). Matched against the stripped line.

# agency and outlet names as they stand alone or in a caption's credit (short forms included)
CJK_AGENCIES = (r"中央社|新华社|新華社|新华网|新華網|人民网|人民網|中新社|中新网|中新網|路透社?|美联社|美聯社|法新社|彭博社?|共同社|"
                r"共同通信|時事通信|时事通信|韩联社|韓聯社|法广|法廣|德国之声|德國之聲|达志影像|達志影像|视觉中国|視覺中國|"
                r"ロイター|共同|時事|Reuters|AP|AFP|Bloomberg|EPA|Getty\s?Images|Shutterstock")
# a credit line: editor, reporter, translator, source, photo ("责任编辑：张三", "來源：中央社",
# "文／王小明", "图源：网络", "原标题：…"); the label, then a separator
CJK_CREDIT = re.compile(
    r"^[（(\[【<＜※▲▼■]*\s*(?:责任编辑|責任編輯|实习编辑|實習編輯|图片编辑|圖片編輯|编辑|編輯|编审|編審|审核|審核|审校|審校|校对|校對|"
    r"主编|主編|美编|美編|记者|記者|作者|撰文|撰稿|翻译|翻譯|编译|編譯|文字|文|图文|圖文|图片来源|圖片來源|图片|圖片|图源|圖源|图|圖|"
    r"摄影|攝影|题图|題圖|配图|配圖|资料来源|資料來源|消息来源|消息來源|来源|來源|出处|出處|稿源|原标题|原標題|出典|写真|画像|撮影)"
    r"\s*[:：／/｜|丨＝=]"
)
# a parenthesised credit or byline standing alone: "（写真＝ロイター）", "（ワシントン＝山田太郎）",
# "（取自NVIDIA官網）", "（圖／路透社）", "（編集委員 中沢克二）", "中央社(翻譯)"
CJK_PAREN_CREDIT = re.compile(
    r"^[（(][^（）()]{1,24}[＝=][^（）()]{1,20}[）)]$"
    r"|^[（(]\s*(?:取自|翻攝|翻摄|截图|截圖|資料照|资料图|資料圖|图|圖|照片|图片|圖片|写真|画像|撮影|編集委員|論説委員|記者|特派員)[^（）()]{0,30}[）)]$"
    rf"|^[（(]?\s*(?:{CJK_AGENCIES})\s*(?:[（(][^（）()]{{1,8}}[）)])?\s*[）)]?$"
)
# a caption's trailing credit: "…在台北展出。（Reuters）", "…（圖／路透社）", "…（取自NVIDIA官網）". A
# Chinese agency's name alone in brackets ends many a story's last paragraph ("…。（中央社）"): it
# counts here only after a photo word; the Latin-script agencies are photo credits in CJK text
CJK_CAPTION_CREDIT = re.compile(
    rf"[（(]\s*(?:图|圖|照片|图片|圖片|写真|画像|資料照|资料图|資料圖|photo)\s*[／/:：＝=]?\s*(?:{CJK_AGENCIES})[^（）()]{{0,16}}[）)]$"
    r"|[（(]\s*(?:Reuters|AP|AFP|Bloomberg|EPA|Getty\s?Images|Shutterstock)[^（）()]{0,16}[）)]$"
    r"|[（(]\s*(?:取自|翻攝|翻摄|图片来源|圖片來源|圖片取自|图片取自|写真[＝=]|画像[＝=])[^（）()]{1,30}[）)]$",
    re.I,
)
# syndication and rights notices: "本文為…授權刊登", "本文来自微信公众号…", "未经授权，禁止转载",
# "免责声明：…", "無断転載を禁じます"
CJK_RIGHTS = re.compile(
    r"^[（(\[【<＜*※]?\s*(?:本文(?:为|為|系|係|来自|來自|来源|來源|经|經|由|转载|轉載|转自|轉自|首发|首發|原载|原載|授权|授權|獲授權|获授权|"
    r"仅代表|僅代表|观点|觀點|不代表|内容|內容)|转载|轉載|免责声明|免責聲明|版权声明|版權聲明|版权所有|版權所有|特别声明|特別聲明|声明\s*[:：]|聲明\s*[:：])"
    # "未经许可" alone is the topic's own wording ("shipped without a licence"): only with reprinting
    r"|未[经經](?:许可|許可|授权|授權|允许|允許|同意)[，,、\s]*(?:不得|禁止|严禁|嚴禁|请勿|請勿|任何)?[^。]{0,12}?(?:转载|轉載|复制|複製|摘编|摘編|转贴|轉貼)"
    r"|禁止转载|禁止轉載|不得转载|不得轉載|请勿转载|請勿轉載|严禁转载|嚴禁轉載"
    r"|無断(?:転載|複製|転用)|転載を禁|複製を禁"
)
# a breadcrumb trail: "Home > Headlines > <headline>", "Startseite » Politik » Ausland", "News > World > Asia"
BREADCRUMB = re.compile(
    r"^(?:(?:home(?:\s?page)?|start(?:seite)?|accueil|inicio|portada|首页|首頁|ホーム|홈)\s*(?:>|»|›|/|::|&gt;)\s*\S.{0,200}"
    r"|[^>»›]{1,40}(?:\s(?:>|»|›)\s[^>»›]{1,40}){2,})$",
    re.I,
)
# a paywall's notice: "To read this article in full you must be registered", "To continue reading, subscribe"
PAYWALL = re.compile(
    r"^to\ (?:read|continue\ reading|access|view|see)\ (?:this|the|our)?\ ?(?:full\ )?(?:article|story|content|post)?\s*(?:in\ full)?,?\s*"
    r"(?:you\ (?:must|need\ to|have\ to|will\ need\ to)|please|subscribe|log\ ?in|sign\ ?in|register)"
    r"|^the\ full\ (?:article|story|text)\ (?:contains|has|is)\ [\d,]+\ words",  # a syndicated teaser's note
    re.I | re.X,
)
# a site's footer links and notes: "Privacy Policy | Terms of Use | Contact Us", "For more information
# on this site, please read our Privacy Policy", "Send questions about this website to the Webmaster"
FOOTER_LINK = re.compile(
    r"""\b(?:privacy\ (?:policy|notice|statement|cent(?:er|re))|terms\ (?:of|and)\ (?:service|use|conditions)|terms\ &\ conditions
      |cookie\ (?:policy|settings|preferences)|webmaster|site\ ?map|contact\ us|about\ us|advertise\ with\ us
      |datenschutz(?:erklärung|hinweise)?|nutzungsbedingungen|impressum|mentions\ légales|politique\ de\ (?:confidentialité|cookies)
      |conditions\ (?:générales|d'utilisation)|aviso\ legal|política\ de\ (?:privacidad|cookies)|términos\ y\ condiciones)\b""",
    re.I | re.X,
)
# what makes a sentence naming a privacy policy the site's own note, not a story's
SITE_CUE = re.compile(r"\b(?:our|this\ (?:web\ ?)?site|please|webmaster|copyright|all\ rights)\b|©", re.I | re.X)
# a related-links label ("相关阅读", "延伸閱讀：", "【関連記事】"), or one with its headline after it
CJK_RELATED = re.compile(
    r"^[【<＜\[▶►■▲◆●]?\s*(?:相关阅读|相關閱讀|相关新闻|相關新聞|相关报道|相關報導|相关文章|相關文章|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|"
    r"猜你喜欢|猜你喜歡|热门推荐|熱門推薦|热门文章|熱門文章|更多新闻|更多新聞|更多报道|更多報導|往期回顾|往期回顧|"
    r"関連記事|関連ニュース|あわせて読みたい|合わせて読みたい|おすすめ記事|こちらもおすすめ|人気記事|注目記事|こちらもどうぞ)"
    r"\s*[】>＞\]]?\s*(?:[:：]\s*(?P<rest>.*))?$"
)
# a reporter or editor named without a separator ("记者 张三 李四", "編輯 王小明"), with where
# the report comes from ("記者王小明／台北報導", "记者张三/综合报道"), or with what they did
CJK_NAMED_CREDIT = re.compile(
    r"^[（(]?\s*(?:记者|記者|通讯员|通訊員|特约记者|特約記者|作者|编辑|編輯|编译|編譯)\s+[\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4}){0,3}\s*[）)]?$"
    r"|^[（(]?\s*(?:记者|記者|特派员|特派員|编译|編譯|中心)\s*[\u4e00-\u9fff·]{2,4}(?:[、，,][\u4e00-\u9fff·]{2,4}){0,3}\s*[／/]\s*[\u4e00-\u9fff]{0,10}(?:报导|報導|报道|報道|电|電)\s*[）)]?$"
    # the outlet, then the name with what the person did: "界面新聞 / 何渝婷編譯", "王小明 整理"
    r"|^(?:[^\s／/|｜]{2,12}\s*[／/|｜]\s*)?[\u4e00-\u9fff·]{2,4}\s*(?:编译|編譯|整理|撰稿|撰文|综合报道|綜合報導)$"
)

# a line of the page's metadata: its parts, their labels, a desk's name (families.meta_line)
META_SEP = re.compile(r"\s+[|·•–—-]\s+|\s*\|\s*")
META_LABEL = re.compile(
    r"""^(?:categor(?:y|ies|ia|ía|ie)|catégorie|kategorie|rubri[ck]|ressort|section|sección|secção|tags?|schlagwörter|etiquetas
      |mots[-\ ]clés|themen|source|fuente|fonte|quelle|by|por|par|von|publicado\ por|publié\ par|veröffentlicht\ von|posted\ by
      |written\ by|autor(?:a)?|author|auteur|updated|aktualisiert|actualizado|atualizado|mis\ à\ jour|published|publicado|publié
      |veröffentlicht|posted|filed)\b\s*:?\s*\S""",
    re.I | re.X,
)
DESK = re.compile(r"\b(?:bureau|desk|staff|correspondent|newsroom|agencies|redaktion|rédaction|redacción)\s*$", re.I)
# what a copyright notice that closes an article names: a year or reserved rights (families.closing_notice)
RESERVED = re.compile(r"\brights\ reserved\b|alle\ rechte\ vorbehalten|tous\ droits\ réservés|todos\ los\ derechos\ reservados"
                       r"|\b(?:19|20)\d\d\b", re.I | re.X)
