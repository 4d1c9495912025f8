"""`diemcau deploy-config`: the files of a real deployment, written from a few answers."""
