// Exports of the sql family (filled as the family is built).
export {}
