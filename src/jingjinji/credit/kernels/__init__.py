"""Pure credit computations: USCC validation, publication deadlines and publicity periods,
risk scoring."""
