"""Services the DPO and IT steer with: policy versions and the source inventory."""
