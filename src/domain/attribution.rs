//! Attribution's stored choices: the models, where a touchpoint came from, and the
//! offline touches a dealer logs.

choices!(
    /// An attribution model, stored as text in credits.
    AttributionModel, "error-model-invalid", {
        FirstTouch => "first_touch",
        LastTouch => "last_touch",
        LastNonDirect => "last_non_direct",
        Linear => "linear",
        PositionBased => "position_based",
        WShaped => "w_shaped",
        TimeDecay => "time_decay",
        /// Data-driven: a Markov chain's removal effects.
        Markov => "markov",
    }
);

choices!(
    /// Who added a touchpoint: it came with the lead, the marketing system appended it
    /// later, or the dealer logged it.
    TouchpointOrigin, "error-origin-invalid", {
        Intake => "intake",
        Api => "api",
        Dealer => "dealer",
    }
);

choices!(
    /// A touch a dealer logs from the lead page (channel `dealer`, this as its kind).
    DealerTouch, "error-touch-kind-invalid", {
        Visit => "visit",
        Call => "call",
        Demo => "demo",
        Quote => "quote",
    }
);
