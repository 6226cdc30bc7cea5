// Exports of the drift family (filled as the family is built).
export {}
