# dealerloop — italiano
skip-to-content = Vai al contenuto
nav-label = Menu principale
nav-admin = Amministrazione
nav-dealers = Concessionari
nav-my-dealer = La mia concessionaria
nav-users = Utenti
nav-audit = Registro attività
nav-account = Password
nav-logout = Esci

role-admin = Amministratore
role-manager = Responsabile canale
role-dealer = Utente concessionario

login-title = Accedi
login-submit = Accedi
login-forgot = Hai dimenticato la password?
login-missing = Inserisci email e password.
login-invalid = Email o password non corretti.
login-throttled = Troppi tentativi. Riprova tra { $minutes } { $minutes ->
    [one] minuto
   *[other] minuti
}.
back-to-login = Torna all'accesso

forgot-title = Reimposta la password
forgot-intro = Inserisci l'email con cui accedi. Ti invieremo un link per scegliere una nuova password.
forgot-submit = Invia il link
forgot-sent = Se un account usa questa email, riceverai un link per reimpostare la password. Vale un'ora.

reset-title = Scegli una nuova password
reset-intro = Scegli una nuova password per { $email }.
reset-submit = Salva la nuova password
invite-title = Benvenuto in dealerloop
invite-intro = Scegli una password per { $email } per attivare il tuo account.
invite-submit = Attiva il mio account

account-password-title = Cambia la password
account-password-intro = Dopo il cambio resti collegato qui; tutti gli altri dispositivi vengono disconnessi.
account-password-submit = Cambia password

field-email = Email
field-password = Password
field-current-password = Password attuale
field-new-password = Nuova password
field-confirm-password = Ripeti la nuova password
password-hint = Almeno 8 caratteri. Evita le password comuni.
field-code = Codice
field-name = Nome
field-contact-email = Email di contatto
field-capacity = Capacità (lead aperti)
field-postcodes = Zone per CAP
field-regions = Regioni
field-territories = Territori
field-product-lines = Linee di prodotto
field-active = Attivo (riceve lead)
field-status = Stato
field-role = Ruolo
field-dealer = Concessionario
field-dealer-code = Codice concessionario
field-locale = Lingua
field-created = Creato
field-updated = Ultima modifica
hint-postcodes = Una per riga: paese e inizio del CAP, per esempio IT 20
hint-regions = Una per riga: paese e regione, per esempio IT Lombardia
hint-product-lines = Separate da virgole, per esempio lathes, milling
hint-dealer-code = Solo per gli utenti concessionario: il codice della loro concessionaria.
hint-invite = L'utente riceve un'email con un link per scegliere la password.
locale-browser = Come preferisce il browser

status-active = Attivo
status-inactive = Non attivo
status-disabled = Disattivato
status-invited = Invitato

save = Salva
edit = Modifica
search-submit = Cerca
search-dealers = Cerca per nome o codice
search-users = Cerca per email o nome
form-has-errors = Alcuni campi vanno corretti: vedi i messaggi qui sotto.

dealer-new = Nuovo concessionario
dealer-edit = Modifica concessionario
dealer-inactive = Non attivo
dealer-inbox-title = Lead proposti
dealer-inbox-empty = Al momento nessun lead ti aspetta. Le nuove proposte compariranno qui e arriveranno per email.
dealer-profile-title = La tua concessionaria
dealer-team-title = Persone
dealer-team-none = Ancora nessun utente.
dealers-title = Concessionari
dealers-none = Nessun concessionario corrisponde.
dealers-count = { $count ->
    [one] Un concessionario
   *[other] { $count } concessionari
}
manager-home-title = Rete di concessionari

admin-title = Amministrazione
admin-pending-mail = email in attesa di invio
admin-recent = Attività recenti
admin-all-audit = Vedi tutto il registro attività

user-new = Nuovo utente
user-create = Crea e invia l'invito
user-disable = Disattiva l'account
user-enable = Riattiva l'account
user-reinvite = Invia un nuovo invito
user-sessions = Sessioni aperte
users-none = Nessun utente corrisponde.

audit-when = Quando
audit-who = Chi
audit-action = Azione
audit-record = Elemento
audit-detail = Dettaglio
audit-address = Indirizzo
audit-none = Ancora nulla di registrato.
audit-filter = Mostra solo l'azione
audit-older = Voci precedenti

notice-saved = Salvato.
notice-logged-out = Sei uscito.
notice-password-changed = La password è stata cambiata. Gli altri dispositivi sono stati disconnessi.
notice-password-reset = La password è stata cambiata. Accedi con quella nuova.
notice-welcome = Benvenuto! Il tuo account è attivo.
notice-user-invited = L'invito è stato inviato.
notice-user-disabled = L'account è disattivato e le sue sessioni sono terminate.
notice-user-enabled = L'account è di nuovo attivo.
notice-cannot-disable-self = Non puoi disattivare il tuo account.

error-required = Questo campo è obbligatorio.
error-too-long = Il testo è troppo lungo.
error-email-invalid = Inserisci un indirizzo email come nome@esempio.it.
error-email-taken = Esiste già un utente con questa email.
error-password-short = La password deve avere almeno 8 caratteri.
error-password-long = La password può avere al massimo 128 caratteri.
error-password-common = Questa password è troppo facile da indovinare. Scegline un'altra.
error-password-mismatch = Le due password non coincidono.
error-current-password = La password attuale non è corretta.
error-role-invalid = Scegli un ruolo dall'elenco.
error-locale-invalid = Scegli italiano o inglese.
error-dealer-required = Un utente concessionario ha bisogno del codice della sua concessionaria.
error-dealer-unknown = Nessun concessionario ha questo codice.
error-dealer-not-allowed = Solo gli utenti concessionario appartengono a una concessionaria: lascia vuoto.
error-dealer-code = Usa da 2 a 20 lettere, cifre o trattini, per esempio MI-01.
error-dealer-code-taken = Un altro concessionario usa già questo codice.
error-capacity = Inserisci un numero intero da 0 a 10000.
error-product-line = Le linee di prodotto usano lettere minuscole, cifre e trattini, per esempio press-brakes.
error-territory-required = Aggiungi almeno una zona per CAP o una regione.
error-territory-country = Inizia con il codice del paese di due lettere, per esempio IT.
error-territory-postcode = Scrivi il paese e l'inizio del CAP, per esempio IT 20.
error-territory-region = Scrivi il paese e la regione, per esempio IT Lombardia.
error-on-line = Riga { $line }: { $message }
error-cannot-demote-self = Non puoi togliere a te stesso il ruolo di amministratore.
error-cannot-disable-self = Non puoi disattivare il tuo account.
error-page-invalid = Questa pagina non esiste; ecco le voci più recenti.

error-code = Errore
error-home = Vai alla pagina iniziale
error-400-title = Qualcosa nella richiesta non va
error-400-text = La pagina non ha capito i dati inviati. Torna indietro e riprova.
error-403-title = Accesso non consentito
error-403-text = Non hai accesso a questa pagina, oppure il modulo è stato inviato da un altro sito o è scaduto. Ricarica la pagina e riprova.
error-404-title = Pagina non trovata
error-404-text = Questa pagina non esiste o non è più disponibile.
error-405-title = Operazione non consentita
error-405-text = Questo indirizzo non si usa in questo modo.
error-410-title = Questo link non funziona più
error-410-text = Il link non è valido, è già stato usato o è scaduto. Chiedine uno nuovo.
error-413-title = Troppi dati
error-413-text = Quello che hai inviato è troppo grande.
error-429-title = Troppi tentativi
error-429-text = Attendi un po' e riprova.
error-429-wait = Attendi { $minutes } { $minutes ->
    [one] minuto
   *[other] minuti
} e riprova.
error-500-title = Qualcosa è andato storto
error-500-text = È colpa nostra, non tua. Riprova tra un momento.

email-greeting = Buongiorno { $name },
email-reset-subject = Reimposta la password di dealerloop
email-reset-body = Qualcuno (speriamo tu) ha chiesto di reimpostare la password del tuo account dealerloop. Scegline una nuova qui:
email-reset-button = Scegli una nuova password
email-reset-validity = Il link funziona una sola volta, per { $minutes } minuti.
email-reset-ignore = Se non l'hai chiesto tu, ignora questa email: la password resta com'è.
email-invite-subject = Il tuo account dealerloop è pronto
email-invite-body = { $inviter } ha creato per te un account dealerloop. Scegli la password per iniziare:
email-invite-button = Attiva il mio account
email-invite-validity = Il link funziona una sola volta, per { $days } giorni.

# Token API (amministrazione)
nav-api-tokens = Token API
api-tokens-title = Token API
api-tokens-intro = I token permettono ad altri sistemi, come quello del marketing, di inviare lead a dealerloop. Ogni token registra i suoi lead con la propria origine.
api-tokens-none = Ancora nessun token.
api-token-new = Nuovo token
api-token-create = Crea il token
api-token-last-used = Ultimo uso
api-token-never = mai
api-token-created-by = da { $who }
api-token-actions = Azioni
api-token-revoke = Revoca
api-token-created-title = Token creato
api-token-shown-once = Copia il token adesso: non verrà mostrato di nuovo. Ne conserviamo solo un'impronta; se lo perdi, revocalo e creane uno nuovo.
api-token-secret = Token
api-token-usage = Il client lo invia nell'intestazione Authorization, come Bearer seguito dal token.
api-token-back = Torna ai token API
field-source = Origine
hint-token-name = Un nome per riconoscere il client, per esempio crm-marketing.
hint-token-source = L'origine con cui registra i lead; se vuoto, marketing.
status-revoked = Revocato
notice-api-token-revoked = Il token è revocato: le richieste che lo usano vengono rifiutate.
error-token-name = Usa da 2 a 60 lettere, cifre, punti, trattini o trattini bassi.
error-token-name-taken = Un altro token ha già questo nome.

# Lead handoff
time-left = { $hours } h { $minutes } min per rispondere
dealer-working-title = Lead che stai seguendo
dealer-working-empty = Ancora nessun lead accettato.
lead-area = Zona
lead-qualification = Qualifica
lead-received = Ricevuto
lead-contact-hidden = Nome e contatti del cliente compaiono appena accetti.
lead-how-it-came = Come è arrivato il lead
lead-company = Azienda
lead-phone = Telefono
lead-move-to = Aggiorna lo stato:
lead-history = Storico
offer-accept = Accetta questo lead
offer-decline = Rifiuta
offer-decline-why = Perché rifiuti?
offer-decline-note = Qualcosa da aggiungere (facoltativo)
decline-out_of_area = Fuori dalla nostra zona
decline-no_capacity = Ora non possiamo seguirlo
decline-not_our_product = Non è un prodotto che vendiamo
decline-existing_customer_elsewhere = Già cliente di un altro concessionario
decline-other = Altro motivo
lead-status-withheld = Trattenuto (senza consenso)
lead-status-unallocated = In attesa di un concessionario
lead-status-offered = Proposto
lead-status-accepted = Accettato
lead-status-contacted = Contattato
lead-status-quote_sent = Preventivo inviato
lead-status-won = Vinto
lead-status-lost = Perso
lead-status-declined = Rifiutato
lead-status-expired = Scaduto
notice-offer-accepted = Il lead è tuo: qui sotto trovi i dati del cliente.
notice-offer-declined = Rifiutato. Il lead passa a un altro concessionario.
notice-offer-too-late = Questa proposta non è più aperta.
notice-choose-reason = Scegli un motivo per rifiutare.
notice-status-invalid = Questo cambio di stato non è possibile.
error-decline-reason = Scegli un motivo dall'elenco.
error-status-invalid = Questo stato qui non esiste.
email-offer-subject = Nuovo lead: { $product } in { $region }
email-offer-reminder-subject = Promemoria: il lead { $product } in { $region } aspetta la tua risposta
email-offer-body = { $dealer }, un nuovo lead ti aspetta. Accettalo o rifiutalo entro il { $deadline }.
email-offer-reminder-body = { $dealer }, questo lead aspetta ancora la tua risposta. Dopo il { $deadline } passa a un altro concessionario.
email-offer-open = Apri la proposta
email-offer-accept = Accetta
email-offer-decline = Rifiuta
offer-accept-confirm = Accettando, il lead diventa tuo: vedrai poi i dati del cliente.
offer-accepted-title = Il lead è tuo
offer-accepted-text = Accedi per vedere nome e contatti del cliente.
offer-see-contact = Vedi i contatti
offer-declined-title = Lead rifiutato
# Importazione lead da CSV
csv-import-title = Importa lead da un file CSV
csv-import-intro = Carica un file CSV con un lead per riga. Le righe valide vengono importate e offerte ai concessionari come i lead del sistema di marketing; ogni riga scartata è elencata con il numero di riga e il motivo. Importare di nuovo lo stesso file non cambia nulla.
csv-import-file = File CSV (UTF-8, al massimo 20 MB)
csv-import-file-hint = Dal foglio di calcolo, salva come "CSV UTF-8". Vanno bene sia la virgola sia il punto e virgola come separatore.
csv-import-submit = Importa
csv-format-title = Formato del file
csv-format-header = La prima riga è l'intestazione, con queste colonne in qualsiasi ordine (touchpoints si può omettere):
csv-format-separator = Il separatore è la virgola o il punto e virgola, riconosciuto dall'intestazione. I valori che contengono il separatore, virgolette o a capo vanno tra virgolette doppie, raddoppiando quelle interne.
csv-format-required = Obbligatori: external_id (lettere, cifre e - _ . : /), received_at, contact_name, contact_email o contact_phone, country (due lettere, es. IT), postcode o region, product_line (es. lathes), consent_share_with_dealers. Le altre celle possono restare vuote; score è un numero intero da 0 a 100.
csv-format-times = Gli orari sono in formato RFC 3339, es. 2026-11-20T09:30:00Z o 2026-11-20T10:30:00+01:00.
csv-format-consent = Consenso alla condivisione con i concessionari: true/false, yes/no, sì/no oppure 1/0. Un lead senza consenso viene salvato e mai offerto.
csv-format-touchpoints = touchpoints contiene un array JSON di touchpoint, ciascuno con occurred_at e channel e facoltativamente source, medium, campaign, content e kind, come nell'API di acquisizione.
csv-format-idempotent = Una riga il cui external_id è già stato importato con lo stesso contenuto non cambia nulla; con contenuto diverso è segnalata come conflitto e il lead salvato resta com'è.
csv-format-example = Esempio:
csv-error-no-file = Scegli un file CSV da importare.
csv-error-empty = Il file è vuoto.
csv-error-utf16 = Il file è in UTF-16. Salvalo come "CSV UTF-8" e riprova.
csv-error-not-utf8 = Riga { $line }: il file non è testo UTF-8 (forse Windows-1252 o Latin-1). Salvalo come "CSV UTF-8" e riprova.
csv-error-header = Riga 1: l'intestazione non corrisponde al formato. Colonne mancanti: { $missing }. Colonne sconosciute: { $unknown }. Colonne ripetute: { $duplicate }. Attese: { $expected }
csv-error-no-rows = Il file ha l'intestazione ma nessuna riga.
csv-error-malformed = Riga { $line }: { $message }
csv-result-title = Importazione lead
csv-result-file = File: { $file }
csv-result-rows = Righe lette
csv-result-created = Lead importati
csv-result-duplicate = Già importati, invariati
csv-result-conflict = Conflitti (importati prima con altro contenuto)
csv-result-invalid = Righe non valide
csv-result-no-problems = Tutte le righe sono state lette senza problemi.
csv-result-problems = Righe non importate
csv-result-line = Riga
csv-result-field = Colonna
csv-result-reason = Motivo
csv-result-again = Importa un altro file
# Responsabile di canale: lead
nav-leads = Lead
nav-unallocated = In attesa di un concessionario
leads-title = Lead
leads-filters = Filtri
leads-any = Qualsiasi
leads-dealer = Concessionario
leads-dealer-code = Codice concessionario
leads-region = Regione
leads-product-line = Linea di prodotto
leads-campaign = Campagna
leads-from = Ricevuti dal
leads-to = Ricevuti fino al
leads-date-hint = Le date sono giorni nel fuso orario del portale; entrambi gli estremi sono inclusi.
leads-clear = Azzera i filtri
leads-external-id = Id del lead
leads-unallocated-reason = Perché aspetta
leads-none = Nessun lead corrisponde a questi filtri.
leads-newest = Più recenti
leads-older = Meno recenti
leads-open = Apri
leads-unallocated-title = Lead in attesa di un concessionario
leads-unallocated-count = { $count ->
    [one] Un lead è in attesa.
   *[other] { $count } lead sono in attesa.
}
leads-unallocated-intro = Nessun concessionario idoneo ha potuto prendere questi lead. Aprine uno per vedere perché, poi offrilo a mano a un concessionario.
leads-unallocated-none = Nessun lead in attesa: ogni lead con consenso ha un concessionario.
leads-waiting-since = In attesa dal
leads-error-date = Inserisci una data come AAAA-MM-GG.
leads-error-date-order = La data finale è precedente a quella iniziale.
leads-error-withheld = Questo lead non ha il consenso alla condivisione con i concessionari: non si può assegnare.
leads-error-closed = Questo lead ha già un esito: non si può riassegnare.
leads-error-dealer-unknown = Nessun concessionario ha questo codice.
leads-error-dealer-inactive = Questo concessionario non è attivo.
leads-customer = Cliente
leads-source = Origine
leads-consent = Consenso alla condivisione con i concessionari
leads-yes = Sì
leads-no = No
leads-when = Quando
leads-channel = Canale
leads-source-medium = Sorgente / mezzo
leads-content = Contenuto
leads-touch-kind = Tipo
leads-offers = Proposte
leads-no-offers = Questo lead non è stato proposto a nessun concessionario.
leads-offered-at = Proposto il
leads-deadline = Scadenza
leads-answered-at = Risposta il
leads-decline-reason = Motivo del rifiuto
leads-offer-open = Aperta
leads-offer-accepted = Accettata
leads-offer-declined = Rifiutata
leads-offer-expired = Scaduta
leads-offer-withdrawn = Ritirata
leads-decisions = Decisioni di assegnazione
leads-decisions-intro = Ogni concessionario idoneo accumula la sua quota di ogni lead che poteva prendere (il suo peso sul peso totale); il lead va al concessionario più indietro rispetto alla sua quota (lo scarto maggiore), a parità quello con l'id più basso.
leads-no-decisions = Ancora nessuna decisione di assegnazione.
leads-kind-auto = Automatica
leads-kind-manual = A mano
leads-why-auto = { $count ->
    [one] L'unico concessionario idoneo.
   *[other] Scarto maggiore tra { $count } concessionari idonei.
}
leads-weight = Peso
leads-entitled = Quota finora (lead)
leads-received-count = Lead ricevuti
leads-shortfall = Scarto (lead)
leads-assign-title = Assegna a un concessionario
leads-assign-intro = La proposta aperta, se c'è, viene ritirata e il concessionario scelto riceve una nuova proposta con la scadenza abituale. Zona e capacità non vengono controllate: decidi tu.
leads-assign-reason = Motivo (resta nello storico)
leads-assign-submit = Assegna
notice-lead-assigned = Il lead è stato proposto al concessionario.
unallocated-no_territory_match = Nessun concessionario copre questa zona
unallocated-no_dealer_for_product_line = Nessun concessionario della zona vende questa linea di prodotto
unallocated-all_declined = Ogni concessionario idoneo l'ha rifiutato o lasciato scadere
unallocated-all_at_capacity = Ogni concessionario idoneo è al limite di capacità
unallocated-max_offers_reached = Proposto al numero massimo di concessionari
nav-import = Importa CSV
