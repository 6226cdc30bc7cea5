// Exports of the fairness family (filled as the family is built).
export {}
