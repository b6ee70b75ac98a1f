import type { Caption } from '@parley/protocol';

/** Older lines are dropped so a long meeting does not grow the page without bound. */
export const MAX_CAPTIONS = 200;

export interface CaptionState {
  /** Utterance ids, oldest first, in the order each utterance was first heard. */
  readonly order: readonly string[];
  readonly byId: ReadonlyMap<string, Caption>;
}

export type CaptionAction = { type: 'received'; caption: Caption } | { type: 'cleared' };

export const initialCaptionState: CaptionState = { order: [], byId: new Map() };

/**
 * Whether `incoming` should take the place of `current` for the same utterance. Revisions can
 * arrive out of order, so a final always wins over interims and a late interim never undoes a final.
 */
export function supersedes(incoming: Caption, current: Caption): boolean {
  if (current.kind === 'final' && incoming.kind === 'interim') return false;
  if (incoming.kind === 'final' && current.kind === 'interim') return true;
  return incoming.seq > current.seq;
}

export function createCaptionReducer(limit: number): (state: CaptionState, action: CaptionAction) => CaptionState {
  return (state, action) => {
  switch (action.type) {
    case 'cleared':
      return state.order.length === 0 ? state : initialCaptionState;
    case 'received': {
      const { caption } = action;
      const current = state.byId.get(caption.utteranceId);
      if (current) {
        // Returning the same object lets React skip a render for stale or duplicate revisions.
        if (!supersedes(caption, current)) return state;
        const byId = new Map(state.byId);
        byId.set(caption.utteranceId, caption);
        return { order: state.order, byId };
      }
      const byId = new Map(state.byId);
      byId.set(caption.utteranceId, caption);
      let order = [...state.order, caption.utteranceId];
      if (order.length > limit) {
        const dropped = order.slice(0, order.length - limit);
        order = order.slice(order.length - limit);
        for (const id of dropped) byId.delete(id);
      }
      return { order, byId };
    }
  }
  };
}

export const captionReducer = createCaptionReducer(MAX_CAPTIONS);

/** The captions in display order, oldest first. */
export function selectCaptions(state: CaptionState): Caption[] {
  const captions: Caption[] = [];
  for (const id of state.order) {
    const caption = state.byId.get(id);
    if (caption) captions.push(caption);
  }
  return captions;
}
