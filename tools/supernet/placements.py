"""The placements the tiny supernet is evaluated on, and the seed talk's relative decode costs."""

# Relative decode kernel time per layer, full attention = 1.00 (Apriel-H2 talk, "The cost model");
# Mamba has no number there: 0.10 is provisional, as in the Java runtime's MixerKind.
MIXER_COST = {"attention": 1.00, "swa": 0.16, "gdn": 0.09, "kda": 0.11, "mamba": 0.10}

EVAL_PLACEMENTS = {
    "all-attention": ["attention"] * 4,
    "all-swa": ["swa"] * 4,
    "all-gdn": ["gdn"] * 4,
    "all-kda": ["kda"] * 4,
    "all-mamba": ["mamba"] * 4,
    "fa-first-gdn": ["attention", "gdn", "gdn", "gdn"],
    "fa-first-kda": ["attention", "kda", "kda", "kda"],
    "fa-last-gdn": ["gdn", "gdn", "gdn", "attention"],
    "fa2-gdn2": ["attention", "gdn", "attention", "gdn"],
    "fa-swa-kda-gdn": ["attention", "swa", "kda", "gdn"],
    "swa-gdn-alt": ["swa", "gdn", "swa", "gdn"],
    "mixed-a": ["attention", "gdn", "swa", "mamba"],
    "mixed-b": ["kda", "swa", "gdn", "attention"],
}

# Placements recorded in the reference sample for the Java runtime test (all five mixers covered).
REFERENCE_PLACEMENTS = ["all-attention", "mixed-a", "mixed-b"]


def relative_cost(placement):
    """Decode cost of a placement relative to all-attention (mean of the per-layer costs)."""
    return sum(MIXER_COST[m] for m in placement) / len(placement)
