import { firstFresh, type CandidateSource } from '../candidate-source'

/**
 * Neighbours of the anchor first, in their list's order (an item-anchored surface serves what is related to the
 * item on the page); then neighbours of the session and recent items by best neighbour similarity, then by hits.
 * The user's history is passed over.
 */
export const item2itemSource: CandidateSource = {
  id: 'item2item',
  needs: 'personalized',
  async retrieve({ release, subject }, quota) {
    if (release.neighbors.size === 0) return { skipped: 'no neighbors in the release' }
    if (subject.seeds.length === 0) return { skipped: 'no recent, session or anchor items' }
    // Map order is first-seen order (anchor, then session, then recent): the final tie-break.
    const ranked = [...subject.i2i].sort((a, b) => b[1].max - a[1].max || b[1].hits - a[1].hits)
    const anchored = new Set(subject.anchorNeighbors)
    const rest = ranked.map(([id]) => id).filter((id) => !anchored.has(id))
    return { items: firstFresh([...subject.anchorNeighbors, ...rest], subject.consumed, quota) }
  },
}
