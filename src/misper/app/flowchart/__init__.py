"""The carer's flowchart when a child is not where they should be: steps, answers, outcome,
report."""
