"""Bronze -> Silver: parsing raw pages into typed tables, MERGEd on their grain."""
