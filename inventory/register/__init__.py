"""§82 register of employee IT monitoring: authorisations, notices, inspection acts."""
