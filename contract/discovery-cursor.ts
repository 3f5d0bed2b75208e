/**
 * The placeholder the stack creates the discovery cursor parameter with (SSM refuses empty values);
 * the discovery function reads it as "no cursor yet".
 */
export const NO_CURSOR = 'none';
