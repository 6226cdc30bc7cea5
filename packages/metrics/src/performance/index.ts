// Exports of the performance family (filled as the family is built).
export {}
