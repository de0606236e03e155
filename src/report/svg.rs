//! TEMPORARY stand-in until the svg branch lands.
pub struct Label {
    pub text: String,
    pub level: usize,
    pub colour: Option<String>,
}
pub struct HeatMap {
    pub rows: Vec<Label>,
    pub columns: Vec<String>,
    pub values: Vec<Vec<Option<f64>>>,
    pub cell_text: Vec<Vec<String>>,
    pub right: Option<(String, Vec<String>)>,
    pub title: String,
}
pub fn heat_map(h: &HeatMap) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title></svg>",
        h.rows.len()
    )
}
pub struct Bars {
    pub categories: Vec<Label>,
    pub groups: Vec<String>,
    pub values: Vec<Vec<f64>>,
    pub max: f64,
    pub unit: String,
    pub value_text: Vec<Vec<String>>,
    pub title: String,
}
pub fn bar_chart(b: &Bars) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title></svg>",
        b.groups.len()
    )
}
pub struct Flow {
    pub versions: Vec<String>,
    pub nodes: Vec<FlowNode>,
    pub links: Vec<FlowLink>,
    pub title: String,
}
pub struct FlowNode {
    pub column: usize,
    pub label: String,
    pub level: usize,
    pub colour: Option<String>,
    pub note: Option<String>,
}
pub enum LinkKind {
    Kept,
    Renamed,
    Moved,
    Redefined,
    Merged,
    Split,
}
pub struct FlowLink {
    pub from: usize,
    pub to: usize,
    pub kind: LinkKind,
}
pub fn flow(f: &Flow) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title></svg>",
        f.nodes.len()
    )
}
