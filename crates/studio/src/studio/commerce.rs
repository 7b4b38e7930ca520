//! Selling on air: the run of show (cues, auto-advance), sales from the audience and the cards
//! they redraw, the pre-air check of commands, and the exposure log's card tracking.

use std::sync::Arc;

use show::Layer;

use super::{blocking, Inner, Studio};
use crate::protocol::{Command, CommandReply, CommandSource, ErrorKind, NoticeLevel, StudioError};
use crate::said;
use crate::sales::Sale;

/// The commands that edit the show (banned words are not in it).
fn is_show_edit(command: &Command) -> bool {
    matches!(
        command,
        Command::AddScene { .. }
            | Command::RenameScene { .. }
            | Command::DuplicateScene { .. }
            | Command::RemoveScene { .. }
            | Command::MoveScene { .. }
            | Command::AddSceneLayer { .. }
            | Command::UpdateLayer { .. }
            | Command::SetSceneLayerVisible { .. }
            | Command::SetLayerLocked { .. }
            | Command::MoveSceneLayer { .. }
            | Command::RemoveSceneLayer { .. }
            | Command::AddProduct { .. }
            | Command::UpdateProduct { .. }
            | Command::RemoveProduct { .. }
            | Command::ImportProducts { .. }
            | Command::SetDestination { .. }
            | Command::SetEncoding { .. }
            | Command::SetTransition { .. }
    )
}

impl Studio {
    /// Orders from the audience path: sold counters and stock on the products' cards.
    pub async fn sales(&self, sales: Vec<Sale>) {
        if sales.is_empty() {
            return;
        }
        let mut inner = self.inner.lock().await;
        let change = crate::sales::apply(&mut inner.show, &sales);
        for product in &change.sold_out {
            inner.log.audit(
                CommandSource::Auto,
                "set_product_sold_out",
                format!("product {product}: stock reached 0"),
                &Ok(String::new()),
            );
            self.notice_said(NoticeLevel::Info, said::SOLD_OUT.say(&[("product", &product)]));
        }
        inner.sales_dirty.extend(change.changed);
        inner.state_dirty = true;
    }
}

impl Inner {
    /// The pre-air check of `command` against the show as it is now.
    pub(super) fn pre_air(&self, command: &Command) -> Result<(), StudioError> {
        if is_show_edit(command) {
            return self.pre_air_of_edit(command);
        }
        // "Next" is checked as the product it will cue.
        let resolved;
        let command = match command {
            Command::CueNextProduct => match self.next_cue() {
                Ok(index) => {
                    let product =
                        self.show.run_of_show.as_ref().map(|r| r.items[index].product.clone()).unwrap_or_default();
                    resolved = Command::CueProduct { product };
                    &resolved
                }
                Err(_) => return Ok(()),
            },
            command => command,
        };
        self.pre_air.check(&self.show, &self.scene, command)
    }

    /// An edit of the show is checked by what it changes on air: the words of the scene on
    /// air after it that were not there before (an edit of another scene is checked when
    /// that scene goes on air).
    fn pre_air_of_edit(&self, command: &Command) -> Result<(), StudioError> {
        // An edit that cannot be made fails on its own, with a better message.
        let Ok(planned) = self.plan(command) else { return Ok(()) };
        let before = self.pre_air.findings(&self.show, &self.scene, &Command::GoLive);
        let after = self.pre_air.findings(&planned.show, &self.scene, &Command::GoLive);
        if after.iter().all(|finding| before.contains(finding)) {
            return Ok(());
        }
        self.pre_air.check(&planned.show, &self.scene, &Command::GoLive)
    }

    /// Brings the exposure log in line with the product cards visible on air now.
    pub(super) fn track_cards(&mut self, source: CommandSource) {
        let on_air: Vec<(String, String)> = if self.live.is_some() {
            self.show
                .scene(&self.scene)
                .map(|scene| {
                    scene
                        .layers
                        .iter()
                        .filter_map(|l| match l {
                            Layer::ProductCard(card) if card.visible => Some((card.id.clone(), card.product.clone())),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        self.log.track_cards(&on_air, source, chrono::Utc::now());
    }

    fn run_of_show(&self) -> Result<&show::RunOfShow, StudioError> {
        self.show
            .run_of_show
            .as_ref()
            .ok_or_else(|| StudioError::said(ErrorKind::BadRequest, said::NO_RUN_OF_SHOW.say(&[])))
    }

    /// The run-of-show item after the one on its card (the first when none is).
    pub(super) fn next_cue(&self) -> Result<usize, StudioError> {
        let run = self.run_of_show()?;
        let next = self.cue.map_or(0, |(index, _)| index + 1);
        if next >= run.items.len() {
            return Err(StudioError::said(ErrorKind::WrongPhase, said::RUN_LAST.say(&[])));
        }
        Ok(next)
    }

    pub(super) fn run_index(&self, product: &str) -> Result<usize, StudioError> {
        self.run_of_show()?
            .items
            .iter()
            .position(|item| item.product == product)
            .ok_or_else(|| StudioError::not_found("product in the run of show called", product))
    }

    /// Puts run-of-show item `index` on the run's card (and the card on air).
    pub(super) async fn cue(&mut self, index: usize) -> Result<CommandReply, StudioError> {
        let run = self.run_of_show()?;
        let (card, product) = (run.card.clone(), run.items[index].product.clone());
        if self.scene_layer_mut(&card).is_err() {
            return Err(StudioError::said(
                ErrorKind::WrongPhase,
                said::RUN_CARD_ELSEWHERE.say(&[("card", &card), ("scene", &self.scene)]),
            ));
        }
        self.set_card_product(card.clone(), product.clone()).await?;
        self.set_layer_visible(card, true).await?;
        self.cue = Some((index, chrono::Utc::now()));
        let name = self.show.product(&product).map(|p| p.name.clone()).unwrap_or(product);
        Ok(CommandReply::said(said::ON_CARD.say(&[("name", &name)])))
    }

    /// Whether the product on the card has had its target time (auto-advance on).
    pub(super) fn auto_advance_due(&self) -> bool {
        let (Some(run), Some((index, at))) = (self.show.run_of_show.as_ref(), self.cue) else { return false };
        let Some(target) = run.items.get(index).and_then(|item| item.target_seconds) else { return false };
        run.auto_advance
            && self.auto_stalled != Some(index)
            && index + 1 < run.items.len()
            && chrono::Utc::now().signed_duration_since(at).num_milliseconds() >= i64::from(target) * 1000
    }

    /// Redraws the cards of products whose sales changed.
    pub(super) async fn redraw_sales(&mut self) {
        if self.sales_dirty.is_empty() {
            return;
        }
        let products: Vec<show::Product> =
            std::mem::take(&mut self.sales_dirty).iter().filter_map(|id| self.show.product(id).cloned()).collect();
        let Some(live) = &self.live else { return };
        let engine = Arc::clone(&live.engine);
        let _ = blocking(move || {
            for product in products {
                let _ = engine.update_product(product);
            }
        })
        .await;
    }
}
