/**
 * What the router holds for the page on screen: stopping it cancels the
 * view's calls in flight and its watch stream.
 */
export interface View {
  stop(): void;
}
