"""Record linkage (一人一档): Chinese-aware linkage on Splink, the review queue, merge and exact unmerge."""
