"""The live stage (`run.py serve`): the `live` pipeline with a web sink, a page that draws the
avatar in the browser, speech on demand (`POST /say`) and an operator's control page."""
