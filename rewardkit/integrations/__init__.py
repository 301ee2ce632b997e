"""rewardkit graders inside other trainers (TRL, verl, OpenRLHF) and over HTTP (``rewardkit serve``)."""
