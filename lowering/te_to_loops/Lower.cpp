// Placeholder translation unit until the lowering passes land.
