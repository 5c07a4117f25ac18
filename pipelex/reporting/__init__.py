"""Usage and cost: per leaf, per pipe, per run; the console report."""
