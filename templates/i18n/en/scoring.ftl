# Dealer score: weight overrides and exclusions (managers).
score-label = score
override-title = Allocation weight
override-score-weight = Weight from the score
override-not-scored = not scored yet: the average dealer's weight
override-in-force = Override in force
override-none = None: the score sets the weight
override-until = until
override-end = End the override now
override-explained = A weight of 1 is the average dealer's share of the leads it can receive; 2 is twice that. An override replaces the score's weight until it expires, and every allocation decision it shapes records it.
override-new = Set a temporary weight
override-weight = Weight
override-weight-hint = Between 0.1 and 10 (1 = the average dealer).
override-until-day = Last day in force
override-reason = Reason
override-save = Set the weight
override-history = Overrides
override-from = From
override-by = By
override-ended = ended early
override-none-yet = No override has been set for this dealer.
override-error-weight = Enter a weight between 0.1 and 10, such as 1.5.
override-error-reason = Say why the weight is set by hand.
override-error-reason-long = Keep the reason under 500 characters.
override-error-until = Enter the last day as a date, such as 2026-12-31.
override-error-until-past = The last day must be today or later.
override-error-until-far = An override can last at most a year.
notice-override-set = The weight override is in force.
notice-override-ended = The override has ended: the score sets the weight again.
notice-override-none = No override was in force.
exclusion-title = Score
exclusion-reason = Why exclude it from the score
exclusion-exclude = Exclude from score
exclusion-include = Count it again
exclusion-excluded = Excluded from the score
exclusion-error-reason = Say why this submission should not count.
exclusion-error-reason-long = Keep the reason under 500 characters.
notice-feedback-excluded = The submission no longer counts in the dealer's score.
notice-feedback-included = The submission counts in the dealer's score again.
decision-score = score
decision-override = weight set by a manager

# Dealer score: the dealer's own card and score page.
score-title = Your score
score-card-title = Your score
score-out-of = out of 100
score-network-mean = network average { $score }
score-weight-line = Your leads weigh { $weight } × an average dealer's.
score-weight-override = A channel manager has set your weight to { $weight } × until { $until }.
score-not-yet = Your score is computed once your first offers and forms come in. Until then you receive leads like an average dealer.
score-trend = Your score, week by week
score-how = How your score works
score-raise-title = What would raise it
score-share-title = Your share of the leads
score-share = You were offered { $yours } of the network's leads in the last 30 days ({ $count ->
    [one] 1 lead
   *[other] { $count } leads
}); an equal share would be { $equal }.
score-part-completeness = Feedback completeness
score-part-timeliness = Timeliness
score-part-responsiveness = Responsiveness
score-part-outcome-reporting = Outcome reporting
score-words-completeness = Your feedback forms answer { $yours } of what they ask (network { $network }).
score-words-timeliness = Your forms arrive in time: { $yours } (network { $network }).
score-words-responsiveness = You answer offers before their deadline, and fast: { $yours } (network { $network }).
score-words-outcome-reporting = Sales you accepted with an outcome recorded: { $yours } (network { $network }).
score-action-forms = { $forms ->
    [one] Filling in your open feedback form
   *[other] Filling in your { $forms } open feedback forms
}{ $overdue ->
    [0] {""}
    [one] {" "}(1 overdue)
   *[other] {" "}({ $overdue } overdue)
}
score-action-outcomes = { $outcomes ->
    [one] Recording the outcome of 1 sale
   *[other] Recording the outcome of { $outcomes } sales
}
score-action-forms-and-outcomes = { $forms ->
    [one] Filling in your open feedback form
   *[other] Filling in your { $forms } open feedback forms
}{ $overdue ->
    [0] {""}
    [one] {" "}(1 overdue)
   *[other] {" "}({ $overdue } overdue)
} and recording the outcome of { $outcomes ->
    [one] 1 sale
   *[other] { $outcomes } sales
}
score-lever-catch-up = { $actions } raises your score from { $from } to { $to }.
score-lever-leads = At that score you would have been offered about { $then } leads instead of { $now } in the last 30 days.
score-lever-completeness = Answer every question of the feedback forms: your completeness is { $yours }, the network's { $network }.
score-lever-timeliness = Send your feedback forms within 3 days: your timeliness is { $yours }, the network's { $network }.
score-lever-responsiveness = Answer offers sooner, before their deadline: your responsiveness is { $yours }, the network's { $network }.
score-lever-outcome-reporting = Record whether each lead you accepted was won or lost: your outcome reporting is { $yours }, the network's { $network }.
score-lever-keep-going = Nothing is waiting and every part is at or above the network average: keep filling in forms and answering offers as you do.
score-open-forms = Open your feedback forms
score-more = Your score explained
score-parts-title = The four parts
score-part-share = { $share } % of the score
score-week = Week
score-weight = Weight
score-chart-table = The chart as a table
score-rule-title = The rule
score-rule-intro = Your score goes from 0 to 100. It is made of four parts, each measured on your own recent behaviour and weighted as in the table above:
score-rule-completeness = Feedback completeness: for each feedback form that came due, the share of its questions you answered; a form that closed without being sent counts 0.
score-rule-timeliness = Timeliness: full marks for a form sent within { $on_time } days of the request, falling to 0 at { $window } days.
score-rule-responsiveness = Responsiveness: each offer answered (accepted or declined) before its deadline scores between 1 (at once) and 0.5 (just before the deadline); an offer left to expire scores 0.
score-rule-outcome-reporting = Outcome reporting: each lead you accepted more than { $days } days ago scores 1 if you recorded whether it was won or lost, 0 if not.
score-rule-ageing = Recent behaviour counts most: an observation counts half as much after { $half_life } days, a quarter after twice that.
score-rule-fairness = Fair to small dealers: each part starts from the network average, as if you had { $prior } observations at that average, so a new dealer starts at the average and one form does not make a champion.
score-rule-weight = Your weight in lead allocation follows your score against the network average: a score 10 % above the average weighs { $example } × an average dealer, one 10 % below { $example_below } ×; never below { $floor } × nor above { $cap } × an average dealer's weight. Among the dealers who can take a lead, each receives leads in proportion to its weight.
score-rule-estimate = "What would raise it" counts your open forms as sent complete today and your missing outcomes as recorded, the rest of the network unchanged; the leads you would have been offered are the last 30 days' offers times the new weight over your current weight.
score-rule-when = Your score is recomputed as soon as you send a form, when a form closes, and every hour.
score-computed-at = Computed { $at }.
score-evidence-line = { $count ->
    [0] No observations yet: this part counts at the network average.
    [one] Based on about 1 recent observation.
   *[other] Based on about { $count } recent observations.
}
