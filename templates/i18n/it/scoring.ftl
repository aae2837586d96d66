# Punteggio dei concessionari: pesi impostati a mano ed esclusioni (responsabili di canale).
score-label = punteggio
override-title = Peso nell'assegnazione
override-score-weight = Peso dato dal punteggio
override-not-scored = non ancora calcolato: il peso del concessionario medio
override-in-force = Peso impostato a mano
override-none = Nessuno: il peso viene dal punteggio
override-until = fino al
override-end = Termina ora il peso impostato
override-explained = Un peso 1 è la quota di lead del concessionario medio fra quelli che può ricevere; 2 è il doppio. Un peso impostato a mano sostituisce quello del punteggio fino alla scadenza, e ogni decisione di assegnazione che influenza lo registra.
override-new = Imposta un peso temporaneo
override-weight = Peso
override-weight-hint = Fra 0,1 e 10 (1 = il concessionario medio).
override-until-day = Ultimo giorno di validità
override-reason = Motivo
override-save = Imposta il peso
override-history = Pesi impostati
override-from = Dal
override-by = Da
override-ended = terminato prima
override-none-yet = Per questo concessionario non è mai stato impostato un peso.
override-error-weight = Inserisci un peso fra 0,1 e 10, per esempio 1,5.
override-error-reason = Spiega perché il peso viene impostato a mano.
override-error-reason-long = Il motivo deve stare sotto i 500 caratteri.
override-error-until = Inserisci l'ultimo giorno come data, per esempio 2026-12-31.
override-error-until-past = L'ultimo giorno deve essere oggi o più avanti.
override-error-until-far = Un peso impostato a mano può durare al massimo un anno.
notice-override-set = Il peso impostato è in vigore.
notice-override-ended = Il peso impostato è terminato: ora decide di nuovo il punteggio.
notice-override-none = Non c'era nessun peso impostato in vigore.
exclusion-title = Punteggio
exclusion-reason = Perché escluderlo dal punteggio
exclusion-exclude = Escludi dal punteggio
exclusion-include = Torna a contarlo
exclusion-excluded = Escluso dal punteggio
exclusion-error-reason = Spiega perché questo modulo non deve contare.
exclusion-error-reason-long = Il motivo deve stare sotto i 500 caratteri.
notice-feedback-excluded = Il modulo non conta più nel punteggio del concessionario.
notice-feedback-included = Il modulo conta di nuovo nel punteggio del concessionario.
decision-score = punteggio
decision-override = peso impostato da un responsabile

# Punteggio del concessionario: la scheda e la pagina del concessionario.
score-title = Il tuo punteggio
score-card-title = Il tuo punteggio
score-out-of = su 100
score-network-mean = media della rete { $score }
score-weight-line = I tuoi lead pesano { $weight } × quelli di un concessionario medio.
score-weight-override = Un responsabile di canale ha fissato il tuo peso a { $weight } × fino al { $until }.
score-not-yet = Il punteggio viene calcolato appena arrivano le prime offerte e i primi moduli. Fino ad allora ricevi lead come un concessionario medio.
score-trend = Il tuo punteggio, settimana per settimana
score-how = Come funziona il punteggio
score-raise-title = Cosa lo farebbe salire
score-share-title = La tua quota di lead
score-share = Negli ultimi 30 giorni hai ricevuto il { $yours } dei lead della rete ({ $count ->
    [one] 1 lead
   *[other] { $count } lead
}); una quota uguale per tutti sarebbe il { $equal }.
score-part-completeness = Completezza dei riscontri
score-part-timeliness = Puntualità
score-part-responsiveness = Reattività
score-part-outcome-reporting = Esiti registrati
score-words-completeness = I tuoi moduli di riscontro rispondono al { $yours } delle domande (rete { $network }).
score-words-timeliness = I tuoi moduli arrivano in tempo: { $yours } (rete { $network }).
score-words-responsiveness = Rispondi alle offerte entro la scadenza, e in fretta: { $yours } (rete { $network }).
score-words-outcome-reporting = Vendite accettate con l'esito registrato: { $yours } (rete { $network }).
score-action-forms = { $forms ->
    [one] Compilare il modulo di riscontro aperto
   *[other] Compilare i { $forms } moduli di riscontro aperti
}{ $overdue ->
    [0] {""}
    [one] {" "}(1 in ritardo)
   *[other] {" "}({ $overdue } in ritardo)
}
score-action-outcomes = { $outcomes ->
    [one] Registrare l'esito di 1 vendita
   *[other] Registrare l'esito di { $outcomes } vendite
}
score-action-forms-and-outcomes = { $forms ->
    [one] Compilare il modulo di riscontro aperto
   *[other] Compilare i { $forms } moduli di riscontro aperti
}{ $overdue ->
    [0] {""}
    [one] {" "}(1 in ritardo)
   *[other] {" "}({ $overdue } in ritardo)
} e registrare l'esito di { $outcomes ->
    [one] 1 vendita
   *[other] { $outcomes } vendite
}
score-lever-catch-up = { $actions } porta il tuo punteggio da { $from } a { $to }.
score-lever-leads = Con quel punteggio negli ultimi 30 giorni avresti ricevuto circa { $then } lead invece di { $now }.
score-lever-completeness = Rispondi a tutte le domande dei moduli di riscontro: la tua completezza è { $yours }, quella della rete { $network }.
score-lever-timeliness = Invia i moduli di riscontro entro 3 giorni: la tua puntualità è { $yours }, quella della rete { $network }.
score-lever-responsiveness = Rispondi prima alle offerte, entro la scadenza: la tua reattività è { $yours }, quella della rete { $network }.
score-lever-outcome-reporting = Registra se ogni lead accettato è stato vinto o perso: i tuoi esiti registrati sono { $yours }, quelli della rete { $network }.
score-lever-keep-going = Non hai nulla in sospeso e ogni parte è pari o sopra la media della rete: continua a compilare i moduli e a rispondere alle offerte così.
score-open-forms = Apri i moduli di riscontro
score-more = Il punteggio spiegato
score-parts-title = Le quattro parti
score-part-share = { $share } % del punteggio
score-week = Settimana
score-weight = Peso
score-chart-table = Il grafico in tabella
score-rule-title = La regola
score-rule-intro = Il punteggio va da 0 a 100. È fatto di quattro parti, ognuna misurata sul tuo comportamento recente e pesata come nella tabella qui sopra:
score-rule-completeness = Completezza dei riscontri: per ogni modulo di riscontro scaduto, la quota di domande a cui hai risposto; un modulo chiuso senza invio vale 0.
score-rule-timeliness = Puntualità: punteggio pieno per un modulo inviato entro { $on_time } giorni dalla richiesta, che scende a 0 a { $window } giorni.
score-rule-responsiveness = Reattività: ogni offerta a cui rispondi (accettandola o rifiutandola) entro la scadenza vale tra 1 (subito) e 0,5 (appena prima della scadenza); un'offerta lasciata scadere vale 0.
score-rule-outcome-reporting = Esiti registrati: ogni lead accettato più di { $days } giorni fa vale 1 se hai registrato se è stato vinto o perso, 0 altrimenti.
score-rule-ageing = Conta di più il comportamento recente: un'osservazione vale la metà dopo { $half_life } giorni, un quarto dopo il doppio.
score-rule-fairness = Equo con i concessionari piccoli: ogni parte parte dalla media della rete, come se avessi { $prior } osservazioni a quella media, così un concessionario nuovo parte dalla media e un solo modulo non fa un campione.
score-rule-weight = Il tuo peso nell'assegnazione dei lead segue il punteggio rispetto alla media della rete: un punteggio del 10 % sopra la media pesa { $example } × un concessionario medio, uno del 10 % sotto { $example_below } ×; mai sotto { $floor } × né sopra { $cap } × il peso di un concessionario medio. Tra i concessionari che possono prendere un lead, ognuno riceve lead in proporzione al suo peso.
score-rule-estimate = "Cosa lo farebbe salire" conta i moduli aperti come inviati completi oggi e gli esiti mancanti come registrati, il resto della rete invariato; i lead che avresti ricevuto sono le offerte degli ultimi 30 giorni per il nuovo peso diviso il peso attuale.
score-rule-when = Il punteggio viene ricalcolato appena invii un modulo, quando un modulo si chiude, e ogni ora.
score-computed-at = Calcolato il { $at }.
score-evidence-line = { $count ->
    [0] Ancora nessuna osservazione: questa parte vale la media della rete.
    [one] Basata su circa 1 osservazione recente.
   *[other] Basata su circa { $count } osservazioni recenti.
}
