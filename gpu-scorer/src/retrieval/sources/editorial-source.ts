import { firstFresh, type CandidateSource } from '../candidate-source'

/** The surface's fallback (popular) list, in its order, past the user's history. */
export const editorialSource: CandidateSource = {
  id: 'editorial',
  needs: 'non_personalized',
  async retrieve({ release, request, subject }, quota) {
    const list = release.editorial.get(request.surface)
    if (!list?.length) return { skipped: `no fallback list for surface ${request.surface}` }
    return {
      items: firstFresh(
        list.map((e) => e.item_id),
        subject.consumed,
        quota,
      ),
    }
  },
}
