"""GRPO and RFT training with rewardkit rewards (extra ``train``: torch, transformers, accelerate)."""
