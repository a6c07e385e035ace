type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * One flat catalogue from a language's area files (en/ and ko/ each list theirs). A key stands in
 * one area only, which the i18n unit test checks, so the order of the areas does not matter.
 */
export function flatten<A extends Record<string, Readonly<Record<string, string>>>>(areas: A): UnionToIntersection<A[keyof A]> {
  return Object.assign({}, ...Object.values(areas)) as UnionToIntersection<A[keyof A]>;
}
