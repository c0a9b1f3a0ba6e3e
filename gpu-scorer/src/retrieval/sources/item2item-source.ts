import { firstFresh, type CandidateSource } from '../candidate-source'

/**
 * Neighbours of the anchor, session and recent items, by best neighbour similarity, then by hits; the user's
 * history is passed over.
 */
export const item2itemSource: CandidateSource = {
  id: 'item2item',
  needs: 'personalized',
  async retrieve({ release, subject }, quota) {
    if (release.neighbors.size === 0) return { skipped: 'no neighbors in the release' }
    if (subject.seeds.length === 0) return { skipped: 'no recent, session or anchor items' }
    // Map order is first-seen order (anchor, then session, then recent): the final tie-break.
    const ranked = [...subject.i2i].sort((a, b) => b[1].max - a[1].max || b[1].hits - a[1].hits)
    return {
      items: firstFresh(
        ranked.map(([id]) => id),
        subject.consumed,
        quota,
      ),
    }
  },
}
