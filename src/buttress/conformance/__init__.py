"""Judge the scheduler against Pacemaker's regression corpus (as its README says)."""
